/*
 * NAME
 *	conf 3 - read clamshim.conf into an immutable, shared struct conf
 * SUMMARY
 *	conf_load(), conf_ref(), conf_unref(), conf_parse_duration(),
 *	conf_parse_size(), conf_scanner_name(), conf_option_count(),
 *	conf_option_name()
 * DESCRIPTION
 *	Every option lives in one table, conf_opts[] below: libconfuse
 *	cfg_opt_t arrays, one per section, each entry with its default as
 *	DESIGN.md shows it and a parse callback that checks the value as it
 *	is read. A successful load turns the table into a typed struct conf
 *	once; the snapshot is shared by reference count and never changed.
 *
 *	Loading takes three steps:
 *
 *	1. conf_scan walks the text with a tokenizer that mirrors the one of
 *	   libconfuse. It blanks out comments (libconfuse 3.3 counts two lines
 *	   too many after each '#' comment, so its line numbers drift), and
 *	   blanks out every unknown option, unknown section and deprecated
 *	   option after reporting it with its own line (libconfuse's
 *	   CFGF_IGNORE_UNKNOWN drops unknown options without telling the
 *	   caller, and without it the first unknown option ends the parse).
 *	   It also catches what libconfuse 3.3 misses or misplaces:
 *	   unterminated strings and comments and a section whose '}' is
 *	   missing at the end of the file (libconfuse accepts that silently).
 *	   Blanking keeps every newline, so lines do not move.
 *
 *	2. libconfuse parses the cleaned text. The parse callbacks report a
 *	   bad value with its line and let the parse go on, so one run
 *	   reports every bad value, not just the first.
 *
 *	3. conf_convert fills in struct conf and checks what involves more
 *	   than one value (the scanner chain, the server list).
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

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <confuse.h>

#include "clamd_proto.h"
#include "conf.h"
#include "log.h"
#include "policy.h"

#define CONF_FILE_MAX		(1024 * 1024)	/* a larger file is refused */
#define CONF_TEXT_MAX		512		/* one problem's text */
#define CONF_PROBLEMS_MAX	200		/* more are summed up in one line */
#define CONF_NAME_MAX		64		/* "section.option", longer is cut */
#define CONF_NAMES_MAX		64		/* options in the table */
#define CONF_MESSAGE_MAX	400		/* reject_message, tempfail_message */
#define CONF_MAX_SCANS		1024

/* ---- the option table ---- */

static int conf_cb_path(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_file(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_any(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_message(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_socket(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_mode(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_log_level(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_facility(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_scanner(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_server(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_policy(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_duration(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_duration0(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_size(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_size0(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_count(cfg_t *, cfg_opt_t *, const char *, void *);
static int conf_cb_bool(cfg_t *, cfg_opt_t *, const char *, void *);

/*
 * Callbacks: _path non-empty text, _file text or "" (= none), _duration
 * and _size must be more than 0, _duration0 and _size0 take "0" (= off
 * or no limit), _count an integer in the range of conf_counts[].
 */
static cfg_opt_t conf_embedded_opts[] = {
	CFG_STR_CB("database", "/var/lib/clamav", CFGF_NONE, conf_cb_path),
	CFG_STR_CB("reload_check", "60s", CFGF_NONE, conf_cb_duration0),
	CFG_STR_CB("max_db_age", "48h", CFGF_NONE, conf_cb_duration0),
	CFG_STR_CB("max_scan_time", "30s", CFGF_NONE, conf_cb_duration),
	CFG_STR_CB("max_file_size", "25M", CFGF_NONE, conf_cb_size),
	CFG_STR_CB("max_scan_size", "100M", CFGF_NONE, conf_cb_size),
	CFG_INT_CB("max_recursion", 16, CFGF_NONE, conf_cb_count),
	CFG_INT_CB("max_files", 10000, CFGF_NONE, conf_cb_count),
	CFG_END()
};

static cfg_opt_t conf_clamd_opts[] = {
	CFG_STR_LIST_CB("servers", "{\"unix:/run/clamav/clamd.ctl\"}",
			CFGF_NONE, conf_cb_server),
	CFG_STR_CB("connect_timeout", "2s", CFGF_NONE, conf_cb_duration),
	CFG_STR_CB("scan_timeout", "60s", CFGF_NONE, conf_cb_duration),
	CFG_STR_CB("retry_after", "10s", CFGF_NONE, conf_cb_duration0),
	CFG_STR_CB("stream_max", "25M", CFGF_NONE, conf_cb_size),
	CFG_STR_LIST_CB("limits_unreported_ok", 0, CFGF_NONE, conf_cb_server),
	CFG_END()
};

static cfg_opt_t conf_policy_opts[] = {
	CFG_STR_CB("on_infected", "reject", CFGF_NONE, conf_cb_policy),
	CFG_STR_CB("on_unavailable", "tempfail", CFGF_NONE, conf_cb_policy),
	CFG_STR_CB("fail_open_after", "0", CFGF_NONE, conf_cb_duration0),
	CFG_STR_CB("on_limit", "accept", CFGF_NONE, conf_cb_policy),
	CFG_STR_CB("on_limit_size", "", CFGF_NONE, conf_cb_policy),	/* "" = on_limit */
	CFG_STR_CB("on_limit_files", "", CFGF_NONE, conf_cb_policy),
	CFG_STR_CB("on_limit_time", "", CFGF_NONE, conf_cb_policy),
	CFG_STR_CB("on_limit_nesting", "reject", CFGF_NONE, conf_cb_policy),
	CFG_STR_CB("on_error", "tempfail", CFGF_NONE, conf_cb_policy),
	CFG_STR_CB("max_size", "50M", CFGF_NONE, conf_cb_size0),
	CFG_STR_CB("reject_message", "Virus found: %v", CFGF_NONE, conf_cb_message),
	CFG_STR_CB("tempfail_message", "Virus scanner unavailable, try again later",
		   CFGF_NONE, conf_cb_message),
	CFG_BOOL_CB("skip_authenticated", cfg_false, CFGF_NONE, conf_cb_bool),
	CFG_END()
};

static cfg_opt_t conf_headers_opts[] = {
	CFG_BOOL_CB("add", cfg_true, CFGF_NONE, conf_cb_bool),
	CFG_BOOL_CB("strip_incoming", cfg_true, CFGF_NONE, conf_cb_bool),
	CFG_END()
};

static cfg_opt_t conf_alert_opts[] = {
	CFG_STR_CB("command", "", CFGF_NONE, conf_cb_any),
	CFG_STR_CB("min_interval", "5m", CFGF_NONE, conf_cb_duration0),
	CFG_END()
};

static cfg_opt_t conf_status_opts[] = {
	CFG_STR_CB("file", "/run/clamshim/metrics.prom", CFGF_NONE, conf_cb_file),
	CFG_STR_CB("interval", "10s", CFGF_NONE, conf_cb_duration),
	CFG_END()
};

static cfg_opt_t conf_opts[] = {
	CFG_STR_CB("socket", "unix:/run/clamshim/clamshim.sock", CFGF_NONE, conf_cb_socket),
	CFG_STR_CB("socket_group", "", CFGF_NONE, conf_cb_any),
	CFG_STR_CB("socket_mode", "0660", CFGF_NONE, conf_cb_mode),
	CFG_STR_CB("user", "clamav", CFGF_NONE, conf_cb_any),
	CFG_STR_CB("pid_file", "/run/clamshim/clamshim.pid", CFGF_NONE, conf_cb_file),
	CFG_STR_CB("log_level", "info", CFGF_NONE, conf_cb_log_level),
	CFG_STR_CB("syslog_facility", "mail", CFGF_NONE, conf_cb_facility),
	CFG_STR_LIST_CB("scanners", "{\"embedded\"}", CFGF_NONE, conf_cb_scanner),
	CFG_INT_CB("max_scans", 0, CFGF_NONE, conf_cb_count),
	CFG_STR_CB("memory_limit", "1M", CFGF_NONE, conf_cb_size0),
	CFG_STR_CB("spool_dir", "/var/tmp", CFGF_NONE, conf_cb_path),
	CFG_SEC("embedded", conf_embedded_opts, CFGF_NONE),
	CFG_SEC("clamd", conf_clamd_opts, CFGF_NONE),
	CFG_SEC("policy", conf_policy_opts, CFGF_NONE),
	CFG_SEC("headers", conf_headers_opts, CFGF_NONE),
	CFG_SEC("alert", conf_alert_opts, CFGF_NONE),
	CFG_SEC("status", conf_status_opts, CFGF_NONE),
	CFG_END()
};

/* The ranges of the integer options (conf_cb_count). */
static const struct conf_count {
	const char *name;
	long	min;
	long	max;
	const char *meaning;
} conf_counts[] = {
	{"max_scans", 0, CONF_MAX_SCANS, "0 = number of CPUs"},
	{"embedded.max_recursion", 1, 1024, "archive nesting depth"},
	{"embedded.max_files", 1, 10000000, "files scanned in one message"},
};

/* Deprecated options: warned about with the reason, then ignored. */
static const struct conf_deprecated {
	const char *name;		/* "option" or "section.option" */
	const char *reason;
} conf_deprecated[] = {
	{"max_threads", "replaced by max_scans (concurrent scans, 0 = number of CPUs)"},
	{"foreground", "use the -f command line option instead"},
	{"embedded.scan_archives", "archives are always scanned; limit them with "
	 "embedded.max_recursion and embedded.max_files"},
	{"clamd.stream_max_length", "renamed to clamd.stream_max"},
	{"clamd.timeout", "split into clamd.connect_timeout and clamd.scan_timeout"},
};

/* ---- one load in progress ---- */

struct conf_problem {
	enum conf_severity sev;
	int	line;
	char	text[CONF_TEXT_MAX];
};

struct conf_load {
	const char *file;		/* as reported; NULL for built-in defaults */
	int	mode;			/* CONF_TOLERANT or CONF_STRICT */
	unsigned errors;
	unsigned warnings;
	struct conf_problem *problems;	/* kept to be reported sorted by line */
	size_t	nproblems;
	size_t	dropped;		/* over CONF_PROBLEMS_MAX */
	int	lines[CONF_NAMES_MAX];	/* line of each option's last setting, 0 = default */
};

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conf_load *conf_cur;	/* the load in progress, under conf_lock */

/* conf_oom - out of memory: log and abort, callers never see NULL */
static void
conf_oom(void)
{
	log_error("conf: out of memory");
	abort();
}

/* conf_xstrdup - strdup that never returns NULL; NULL becomes "" */
static char *
conf_xstrdup(const char *s)
{
	char   *p = strdup(s ? s : "");

	if (p == NULL)
		conf_oom();
	return p;
}

/* conf_problem - note one problem of the load for reporting */
static void LOG_PRINTF(4, 5)
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
	if (lc->nproblems % 16 == 0) {
		p = realloc(lc->problems, (lc->nproblems + 16) * sizeof(*p));
		if (p == NULL)
			conf_oom();
		lc->problems = p;
	}
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

/* ---- names ---- */

static char conf_names[CONF_NAMES_MAX][CONF_NAME_MAX];
static size_t conf_nnames;
static pthread_once_t conf_names_once = PTHREAD_ONCE_INIT;

/* conf_names_build - list the table as "socket", "embedded.database", ... */
static void
conf_names_build(void)
{
	size_t	i, j;

	for (i = 0; conf_opts[i].name; i++) {
		if (conf_opts[i].type != CFGT_SEC) {
			if (conf_nnames >= CONF_NAMES_MAX)
				abort();	/* the table outgrew CONF_NAMES_MAX */
			snprintf(conf_names[conf_nnames++], CONF_NAME_MAX, "%s", conf_opts[i].name);
			continue;
		}
		for (j = 0; conf_opts[i].subopts[j].name; j++) {
			if (conf_nnames >= CONF_NAMES_MAX)
				abort();	/* the table outgrew CONF_NAMES_MAX */
			snprintf(conf_names[conf_nnames++], CONF_NAME_MAX, "%s.%s",
				 conf_opts[i].name, conf_opts[i].subopts[j].name);
		}
	}
}

/* conf_option_count - number of options in the table */
size_t
conf_option_count(void)
{
	pthread_once(&conf_names_once, conf_names_build);
	return conf_nnames;
}

/* conf_option_name - the i-th option as "section.option"; NULL past the end */
const char *
conf_option_name(size_t i)
{
	pthread_once(&conf_names_once, conf_names_build);
	return i < conf_nnames ? conf_names[i] : NULL;
}

/* conf_name_index - index of a full option name, -1 if not in the table */
static int
conf_name_index(const char *full)
{
	size_t	i;

	for (i = 0; i < conf_option_count(); i++)
		if (strcmp(conf_names[i], full) == 0)
			return (int) i;
	return -1;
}

/* conf_full_name - "section.option" of opt as seen from the cfg_t it is in */
static void
conf_full_name(const char *sec, const char *name, char *buf, size_t len)
{
	int	n;

	if (sec && strcmp(sec, "root") != 0)
		n = snprintf(buf, len, "%s.%s", sec, name);
	else
		n = snprintf(buf, len, "%s", name);
	if (n >= (int) len && len > 4)
		memcpy(buf + len - 4, "...", 4);	/* too long to be a known name */
}

/* conf_line_of - line where a full option name was last set, 0 = default */
static int
conf_line_of(const struct conf_load *lc, const char *full)
{
	int	i = conf_name_index(full);

	return i < 0 ? 0 : lc->lines[i];
}

/* conf_scanner_name - "embedded", "clamd" */
const char *
conf_scanner_name(enum conf_scanner s)
{
	switch (s) {
	case CONF_SCANNER_EMBEDDED:
		return "embedded";
	case CONF_SCANNER_CLAMD:
		return "clamd";
	default:
		return "unknown";
	}
}

/* conf_scanner_from_name - the reverse; -1 if unknown */
static int
conf_scanner_from_name(const char *name)
{
	int	s;

	for (s = 0; s < CONF_SCANNER_COUNT; s++)
		if (strcmp(name, conf_scanner_name((enum conf_scanner) s)) == 0)
			return s;
	return -1;
}

/* ---- units ---- */

/* conf_digits - leading decimal digits of s as an unsigned number; NULL on overflow or none */
static const char *
conf_digits(const char *s, uint64_t *n)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char) *s))
		return NULL;
	for (; isdigit((unsigned char) *s); s++) {
		unsigned d = (unsigned) (*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	*n = v;
	return s;
}

/* conf_parse_duration - "500ms" "30s" "5m" "2h" "1d" (or "0") to ms; 0 ok, -1 bad */
int
conf_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
		{"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000},
		{"d", 24 * 3600 * 1000},
	};
	const char *p;
	uint64_t n;
	size_t	i;

	if (s == NULL || (p = conf_digits(s, &n)) == NULL)
		return -1;
	if (*p == '\0') {
		if (n != 0)
			return -1;	/* a bare number has no unit: only "0" is clear */
		*ms = 0;
		return 0;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		if (n > (uint64_t) INT64_MAX / units[i].ms)
			return -1;
		*ms = (int64_t) (n * units[i].ms);
		return 0;
	}
	return -1;
}

/* conf_parse_size - "1234" "512K" "25M" "1G" to bytes; 0 ok, -1 bad */
int
conf_parse_size(const char *s, uint64_t *bytes)
{
	const char *p;
	uint64_t n, mult;

	if (s == NULL || (p = conf_digits(s, &n)) == NULL)
		return -1;
	switch (*p) {
	case '\0':
		mult = 1;
		break;
	case 'K': case 'k':
		mult = UINT64_C(1) << 10;
		break;
	case 'M': case 'm':
		mult = UINT64_C(1) << 20;
		break;
	case 'G': case 'g':
		mult = UINT64_C(1) << 30;
		break;
	default:
		return -1;
	}
	if (*p != '\0' && p[1] != '\0')
		return -1;
	if (n > UINT64_MAX / mult)
		return -1;
	*bytes = n * mult;
	return 0;
}

/* ---- value checks, called by libconfuse as each value is read ---- */

/* conf_cb_where - full option name and the load of a callback */
static struct conf_load *
conf_cb_where(cfg_t *cfg, cfg_opt_t *opt, char *name, size_t len)
{
	conf_full_name(cfg ? cfg->name : NULL, opt->name, name, len);
	return conf_cur;
}

/* conf_bad - report a bad value of an option at the current line */
static void LOG_PRINTF(3, 4)
conf_bad(cfg_t *cfg, cfg_opt_t *opt, const char *fmt, ...)
{
	char	name[CONF_NAME_MAX], text[CONF_TEXT_MAX];
	struct conf_load *lc = conf_cb_where(cfg, opt, name, sizeof(name));
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (lc)
		conf_problem(lc, CONF_ERROR, cfg ? cfg->line : 0, "%s: %s", name, text);
	else
		log_error("configuration: %s: %s", name, text);
}

/* conf_shown - a value for a message: bounded, control characters as '?' */
static const char *
conf_shown(const char *value, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; value[i] && i + 1 < len; i++)
		buf[i] = (value[i] >= 0x20 && value[i] < 0x7f) ? value[i] : '?';
	buf[i] = '\0';
	if (value[i] && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

#define SHOWN(v)	conf_shown((v), shown, sizeof(shown))

/* conf_cb_any - any text */
static int
conf_cb_any(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	*(const char **) result = value;
	return 0;
}

/* conf_cb_path - a file or directory name, not empty */
static int
conf_cb_path(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	*(const char **) result = value;
	if (*value == '\0')
		conf_bad(cfg, opt, "must not be empty");
	return 0;
}

/* conf_cb_file - a file name, or "" for none */
static int
conf_cb_file(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	*(const char **) result = value;
	return 0;
}

/* conf_cb_message - one line of printable ASCII, the text of an SMTP reply */
static int
conf_cb_message(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t	i;

	*(const char **) result = value;
	for (i = 0; value[i]; i++)
		if ((unsigned char) value[i] < 0x20 || (unsigned char) value[i] > 0x7e)
			break;
	if (*value == '\0')
		conf_bad(cfg, opt, "must not be empty");
	else if (value[i])
		conf_bad(cfg, opt, "must be one line of printable ASCII (an SMTP reply)");
	else if (i > CONF_MESSAGE_MAX)
		conf_bad(cfg, opt, "is %zu characters long, at most %d are allowed", i,
			 CONF_MESSAGE_MAX);
	return 0;
}

/* conf_mode - an octal permission "0660" to its value; -1 when not one */
static long
conf_mode(const char *value)
{
	char   *end;
	long	v;

	if (value[0] != '0' || strlen(value) < 3 || strlen(value) > 4 || strspn(value, "01234567") != strlen(value))
		return -1;
	v = strtol(value, &end, 8);
	return *end == '\0' && v >= 0 && v <= 0777 ? v : -1;
}

/*
 * conf_cb_mode - socket permissions: octal, owner read-write, group write
 * (connecting to a unix socket needs write permission, and the MTA
 * connects through the group), never writable by others
 */
static int
conf_cb_mode(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	long	v = conf_mode(value);

	*(const char **) result = value;
	if (v < 0)
		conf_bad(cfg, opt, "\"%s\" is not an octal mode such as \"0660\"", value);
	else if ((v & 0600) != 0600)
		conf_bad(cfg, opt, "\"%s\" must let the owner read and write the socket", value);
	else if (v & 0002)
		conf_bad(cfg, opt, "\"%s\" would let every local user talk to the filter; "
			 "use socket_group", value);
	else if ((v & 0020) == 0)
		conf_bad(cfg, opt, "\"%s\" leaves the socket's group (socket_group) unable to "
			 "connect: connecting needs write permission; use \"0660\"", value);
	return 0;
}

/* conf_cb_socket - a libmilter socket: unix:/path, local:/path, inet:PORT[@HOST], inet6:... */
static int
conf_cb_socket(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	static const char *const kinds[] = {"unix:", "local:", "inet:", "inet6:"};
	char	shown[80];
	size_t	i;

	*(const char **) result = value;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(value, kinds[i], strlen(kinds[i])) == 0
		    && value[strlen(kinds[i])] != '\0')
			return 0;
	if (value[0] == '/')
		return 0;
	conf_bad(cfg, opt, "\"%s\" is not a milter socket (use unix:/PATH, inet:PORT@HOST "
		 "or inet6:PORT@HOST)", SHOWN(value));
	return 0;
}

/* conf_cb_log_level - error|warning|info|debug */
static int
conf_cb_log_level(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char	shown[80];

	*(const char **) result = value;
	if (log_level_from_name(value) < 0)
		conf_bad(cfg, opt, "\"%s\" is not a log level (use error, warning, info or debug)",
			 SHOWN(value));
	return 0;
}

/* conf_cb_facility - a syslog facility name */
static int
conf_cb_facility(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char	shown[80];

	*(const char **) result = value;
	if (log_facility_from_name(value) < 0)
		conf_bad(cfg, opt, "\"%s\" is not a syslog facility (use mail, daemon, user "
			 "or local0 to local7)", SHOWN(value));
	return 0;
}

/* conf_cb_scanner - one entry of the scanner chain */
static int
conf_cb_scanner(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char	shown[80];

	*(const char **) result = value;
	if (conf_scanner_from_name(value) < 0)
		conf_bad(cfg, opt, "\"%s\" is not a scanner (use embedded or clamd)", SHOWN(value));
	return 0;
}

/*
 * conf_cb_server - one clamd server spec, checked by the clamd module's own
 * parser (so the daemon never accepts a spec its clamd scanner refuses),
 * plus a real IPv6 address check for tcp:[ADDRESS]:PORT.
 */
static int
conf_cb_server(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct clamd_spec cs;
	unsigned char bin[16];
	char	err[CONF_TEXT_MAX / 2], shown[CONF_TEXT_MAX / 2];

	*(const char **) result = value;
	if (clamd_parse_spec(value, &cs, err, sizeof(err)) < 0)
		conf_bad(cfg, opt, "%s (use unix:/PATH, tcp:HOST:PORT or tcp:[IPV6]:PORT)",
			 SHOWN(err));
	else if (cs.kind == CLAMD_SPEC_TCP && strncmp(value, "tcp:[", 5) == 0
		 && inet_pton(AF_INET6, cs.host, bin) != 1)
		conf_bad(cfg, opt, "%s: bad IPv6 address", SHOWN(value));
	return 0;
}

/* conf_limit_option - 1 when name is a per-kind limit option (on_limit_size ...) */
static int
conf_limit_option(const char *name)
{
	const char *opt;
	int	k;

	for (k = 0; k < SCAN_LIMIT_KIND_COUNT; k++)
		if ((opt = policy_limit_option((enum scan_limit_kind) k)) != NULL
		    && strcmp(opt, name) == 0)
			return 1;
	return 0;
}

/* conf_cb_policy - an action allowed for this policy option ("" = on_limit for a per-kind one) */
static int
conf_cb_policy(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char	allowed[128], shown[80];
	size_t	n = 0;
	int	a, count = 0, total = 0;

	*(const char **) result = value;
	if (value != NULL && *value == '\0' && conf_limit_option(opt->name))
		return 0;
	a = policy_action_from_name(value);
	if (a >= 0 && policy_allowed(opt->name, (enum policy_action) a))
		return 0;
	for (a = 0; a < POLICY_ACTION_COUNT; a++)
		total += policy_allowed(opt->name, (enum policy_action) a) != 0;
	allowed[0] = '\0';
	for (a = 0; a < POLICY_ACTION_COUNT; a++) {
		if (!policy_allowed(opt->name, (enum policy_action) a))
			continue;
		count++;
		n += (size_t) snprintf(allowed + n, sizeof(allowed) - n, "%s%s",
				       count == 1 ? "" : count == total ? " or " : ", ",
				       policy_action_name((enum policy_action) a));
		if (n >= sizeof(allowed))
			break;
	}
	conf_bad(cfg, opt, "\"%s\" is not allowed here (use %s%s)", SHOWN(value), allowed,
		 conf_limit_option(opt->name) ? "; \"\" = as on_limit" : "");
	return 0;
}

/* conf_duration_check - report a bad duration; zero_ok when "0" means off */
static void
conf_duration_check(cfg_t *cfg, cfg_opt_t *opt, const char *value, int zero_ok)
{
	char	shown[80];
	int64_t	ms;

	if (conf_parse_duration(value, &ms) < 0)
		conf_bad(cfg, opt, "\"%s\" is not a duration (use a whole number and a unit: "
			 "500ms, 30s, 5m, 2h, 1d%s)", SHOWN(value), zero_ok ? "; 0 = off" : "");
	else if (ms == 0 && !zero_ok)
		conf_bad(cfg, opt, "must be longer than 0");
}

/* conf_cb_duration - a duration longer than 0 */
static int
conf_cb_duration(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	*(const char **) result = value;
	conf_duration_check(cfg, opt, value, 0);
	return 0;
}

/* conf_cb_duration0 - a duration, "0" = off */
static int
conf_cb_duration0(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	*(const char **) result = value;
	conf_duration_check(cfg, opt, value, 1);
	return 0;
}

/* conf_size_check - report a bad size; zero_ok when "0" is meaningful */
static void
conf_size_check(cfg_t *cfg, cfg_opt_t *opt, const char *value, int zero_ok)
{
	char	shown[80];
	uint64_t n;

	if (conf_parse_size(value, &n) < 0 || n > SIZE_MAX)
		conf_bad(cfg, opt, "\"%s\" is not a size (use bytes or a whole number with "
			 "K, M or G: 512K, 25M, 1G)", SHOWN(value));
	else if (n == 0 && !zero_ok)
		conf_bad(cfg, opt, "must be more than 0");
}

/* conf_cb_size - a size more than 0 */
static int
conf_cb_size(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	*(const char **) result = value;
	conf_size_check(cfg, opt, value, 0);
	return 0;
}

/* conf_cb_size0 - a size, 0 allowed */
static int
conf_cb_size0(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	*(const char **) result = value;
	conf_size_check(cfg, opt, value, 1);
	return 0;
}

/* conf_cb_count - a whole number in the range of conf_counts[] */
static int
conf_cb_count(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char	name[CONF_NAME_MAX], shown[80];
	const struct conf_count *cc = NULL;
	uint64_t n;
	const char *end;
	size_t	i;

	*(long *) result = 0;
	conf_full_name(cfg ? cfg->name : NULL, opt->name, name, sizeof(name));
	for (i = 0; i < sizeof(conf_counts) / sizeof(conf_counts[0]); i++)
		if (strcmp(conf_counts[i].name, name) == 0)
			cc = &conf_counts[i];
	if (cc == NULL)
		abort();		/* an integer option missing from conf_counts[] */
	end = conf_digits(value, &n);
	if (end == NULL || *end != '\0' || n < (uint64_t) cc->min || n > (uint64_t) cc->max) {
		conf_bad(cfg, opt, "\"%s\" is not a whole number from %ld to %ld (%s)",
			 SHOWN(value), cc->min, cc->max, cc->meaning);
		return 0;
	}
	*(long *) result = (long) n;
	return 0;
}

/* conf_cb_bool - true|false (also yes|no, on|off) */
static int
conf_cb_bool(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char	shown[80];
	int	b = cfg_parse_boolean(value);

	if (b < 0) {
		conf_bad(cfg, opt, "\"%s\" is not a boolean (use true or false)", SHOWN(value));
		b = 0;
	}
	*(int *) result = b;
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

/* ---- step 1: our own pass over the text ---- */

struct conf_src {
	char   *buf;			/* the text; comments and ignored options blanked */
	size_t	len;
	size_t	pos;
	int	line;
};

enum conf_tok_type {
	CT_EOF, CT_ERR, CT_STR, CT_LBRACE, CT_RBRACE, CT_LPAREN, CT_RPAREN,
	CT_EQ, CT_APPEND, CT_COMMA
};

struct conf_tok {
	enum conf_tok_type type;
	size_t	start;			/* bytes [start, end) of buf */
	size_t	end;
	int	line;			/* where it starts */
};

/* conf_blank - replace bytes [from, to) by spaces, keeping newlines */
static void
conf_blank(struct conf_src *src, size_t from, size_t to)
{
	for (; from < to && from < src->len; from++)
		if (src->buf[from] != '\n')
			src->buf[from] = ' ';
}

/* conf_unquoted - may c be part of an unquoted word (as libconfuse's lexer says) */
static int
conf_unquoted(int c)
{
	return c != '\0' && strchr(" \t\r\n#\"'={}()+,*", c) == NULL;
}

/* conf_lex_quoted - skip a quoted string starting at src->pos; -1 if unterminated */
static int
conf_lex_quoted(struct conf_src *src)
{
	char	q = src->buf[src->pos++];

	while (src->pos < src->len) {
		char	c = src->buf[src->pos];

		if (c == '\\' && src->pos + 1 < src->len) {
			char	n = src->buf[src->pos + 1];

			if (n == '\n')
				src->line++;
			/* in '...' only \\ and \' are escapes; \<newline> continues in both */
			if (q == '"' || n == '\\' || n == '\'' || n == '\n') {
				src->pos += 2;
				continue;
			}
		}
		src->pos++;
		if (c == '\n')
			src->line++;
		else if (c == q)
			return 0;
	}
	return -1;
}

/* conf_lex - next token; comments are blanked on the way; CT_ERR was reported */
static void
conf_lex(struct conf_load *lc, struct conf_src *src, struct conf_tok *tok)
{
	for (;;) {
		char	c, n;

		tok->start = src->pos;
		tok->line = src->line;
		if (src->pos >= src->len) {
			tok->type = CT_EOF;
			tok->end = src->pos;
			return;
		}
		c = src->buf[src->pos];
		n = src->pos + 1 < src->len ? src->buf[src->pos + 1] : '\0';
		if (c == '\n') {
			src->line++;
			src->pos++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '*' || (c == '+' && n != '=')) {
			src->pos++;	/* libconfuse eats a lone '*' or '+' too */
			continue;
		}
		if (c == '#' || (c == '/' && n == '/')) {
			while (src->pos < src->len && src->buf[src->pos] != '\n')
				src->pos++;
			conf_blank(src, tok->start, src->pos);
			continue;
		}
		if (c == '/' && n == '*') {
			const char *end;

			end = strstr(src->buf + src->pos + 2, "*/");
			if (end == NULL) {
				conf_problem(lc, CONF_ERROR, tok->line,
					     "comment '/*' is not closed with '*/'");
				tok->type = CT_ERR;
				return;
			}
			for (; src->buf + src->pos < end + 2; src->pos++)
				if (src->buf[src->pos] == '\n')
					src->line++;
			conf_blank(src, tok->start, src->pos);
			continue;
		}
		break;
	}
	switch (src->buf[src->pos]) {
	case '{':
		tok->type = CT_LBRACE;
		break;
	case '}':
		tok->type = CT_RBRACE;
		break;
	case '(':
		tok->type = CT_LPAREN;
		break;
	case ')':
		tok->type = CT_RPAREN;
		break;
	case '=':
		tok->type = CT_EQ;
		break;
	case ',':
		tok->type = CT_COMMA;
		break;
	case '+':
		tok->type = CT_APPEND;
		src->pos++;
		break;
	case '"':
	case '\'':
		tok->type = CT_STR;
		if (conf_lex_quoted(src) < 0) {
			conf_problem(lc, CONF_ERROR, tok->line, "string is not closed with %c (or an earlier string lacks its closing quote)",
				     src->buf[tok->start]);
			tok->type = CT_ERR;
		}
		tok->end = src->pos;
		return;
	default:
		tok->type = CT_STR;
		if (src->buf[src->pos] == '$' && src->pos + 1 < src->len
		    && src->buf[src->pos + 1] == '{') {
			size_t	e = src->pos + 2;

			while (e < src->len && src->buf[e] != '}')
				e++;
			if (e < src->len) {	/* ${VARIABLE}: libconfuse reads the environment */
				for (; src->pos <= e; src->pos++)
					if (src->buf[src->pos] == '\n')
						src->line++;
				tok->end = src->pos;
				return;
			}
		}
		while (src->pos < src->len && conf_unquoted(src->buf[src->pos]))
			src->pos++;
		tok->end = src->pos;
		return;
	}
	src->pos++;
	tok->end = src->pos;
}

/* conf_tok_text - the text of a token for a message or a lookup (quotes dropped) */
static void
conf_tok_text(const struct conf_src *src, const struct conf_tok *tok, char *buf, size_t len)
{
	size_t	from = tok->start, to = tok->end, n;

	if (tok->type == CT_EOF) {
		snprintf(buf, len, "end of file");
		return;
	}
	if (tok->type == CT_STR && to - from >= 2
	    && (src->buf[from] == '"' || src->buf[from] == '\'')) {
		from++;
		to--;
	}
	n = to - from < len - 1 ? to - from : len - 1;
	memcpy(buf, src->buf + from, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) buf[i] < 0x20 || (unsigned char) buf[i] > 0x7e)
			buf[i] = '?';
}

/* conf_expected - report an unexpected token */
static void
conf_expected(struct conf_load *lc, const struct conf_src *src, const struct conf_tok *tok,
	      const char *what)
{
	char	text[CONF_NAME_MAX];

	if (tok->type == CT_ERR)
		return;			/* reported by conf_lex */
	conf_tok_text(src, tok, text, sizeof(text));
	conf_problem(lc, CONF_ERROR, tok->line, "expected %s, found %s%s%s", what,
		     tok->type == CT_EOF ? "" : "'", text, tok->type == CT_EOF ? "" : "'");
}

/* conf_skip_braces - skip to the '}' that closes the '{' just read; -1 on error */
static int
conf_skip_braces(struct conf_load *lc, struct conf_src *src, int open_line, size_t *end)
{
	struct conf_tok tok;
	int	depth = 1;

	while (depth > 0) {
		conf_lex(lc, src, &tok);
		if (tok.type == CT_ERR)
			return -1;
		if (tok.type == CT_EOF) {
			conf_problem(lc, CONF_ERROR, open_line,
				     "'{' is not closed with '}' before the end of the file");
			return -1;
		}
		if (tok.type == CT_LBRACE)
			depth++;
		else if (tok.type == CT_RBRACE)
			depth--;
		*end = tok.end;
	}
	return 0;
}

/*
 * conf_skip_statement - skip what follows an ignored name: "= value",
 * "= {list}", "+= ...", "{ section }", "TITLE { section }" or "(args)".
 * *end is where it ends, *section says whether it was a section.
 */
static int
conf_skip_statement(struct conf_load *lc, struct conf_src *src, size_t *end, int *section)
{
	struct conf_tok tok;

	*section = 0;
	conf_lex(lc, src, &tok);
	switch (tok.type) {
	case CT_EQ:
	case CT_APPEND:
		conf_lex(lc, src, &tok);
		if (tok.type == CT_STR) {
			*end = tok.end;
			return 0;
		}
		if (tok.type == CT_LBRACE)
			return conf_skip_braces(lc, src, tok.line, end);
		conf_expected(lc, src, &tok, "a value");
		return -1;
	case CT_STR:			/* a titled section */
		conf_lex(lc, src, &tok);
		if (tok.type != CT_LBRACE) {
			conf_expected(lc, src, &tok, "'{'");
			return -1;
		}
		/* FALLTHROUGH */
	case CT_LBRACE:
		*section = 1;
		return conf_skip_braces(lc, src, tok.line, end);
	case CT_LPAREN:
		for (;;) {
			conf_lex(lc, src, &tok);
			if (tok.type == CT_RPAREN) {
				*end = tok.end;
				return 0;
			}
			if (tok.type != CT_STR && tok.type != CT_COMMA) {
				conf_expected(lc, src, &tok, "')'");
				return -1;
			}
		}
	default:
		conf_expected(lc, src, &tok, "'=' or '{'");
		return -1;
	}
}

/* conf_scan_value - check the syntax of "= value" or "= {list}" of a known option */
static int
conf_scan_value(struct conf_load *lc, struct conf_src *src, const char *full, int is_list)
{
	struct conf_tok tok;
	char	what[CONF_NAME_MAX + 32];

	conf_lex(lc, src, &tok);
	if (tok.type != CT_EQ && tok.type != CT_APPEND) {
		snprintf(what, sizeof(what), "'=' after %s", full);
		conf_expected(lc, src, &tok, what);
		return -1;
	}
	conf_lex(lc, src, &tok);
	if (tok.type == CT_STR)
		return 0;
	if (tok.type != CT_LBRACE) {
		snprintf(what, sizeof(what), "a value for %s", full);
		conf_expected(lc, src, &tok, what);
		return -1;
	}
	if (!is_list) {
		conf_problem(lc, CONF_ERROR, tok.line, "%s takes one value, not a list", full);
		return -1;
	}
	conf_lex(lc, src, &tok);
	if (tok.type == CT_RBRACE)
		return 0;		/* the empty list */
	for (;;) {
		if (tok.type != CT_STR) {
			snprintf(what, sizeof(what), "a value in the list of %s", full);
			conf_expected(lc, src, &tok, what);
			return -1;
		}
		conf_lex(lc, src, &tok);
		if (tok.type == CT_RBRACE)
			return 0;
		if (tok.type != CT_COMMA) {
			snprintf(what, sizeof(what), "',' or '}' in the list of %s", full);
			conf_expected(lc, src, &tok, what);
			return -1;
		}
		conf_lex(lc, src, &tok);
	}
}

/* conf_distance - edit distance of two short names (for "did you mean") */
static size_t
conf_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j;
	size_t	row[CONF_NAME_MAX + 1];

	if (la >= CONF_NAME_MAX || lb >= CONF_NAME_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t	diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t	up = row[j];
			size_t	best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * conf_suggest - " (did you mean X?)" when a known name is close to full:
 * a typo (edit distance up to 2) or the right option in the wrong section.
 */
static void
conf_suggest(const char *full, const char *name, char *buf, size_t len)
{
	const char *best = NULL;
	size_t	i, d, bestd = 3;

	buf[0] = '\0';
	for (i = 0; i < conf_option_count(); i++) {
		const char *cand = conf_names[i], *dot = strchr(cand, '.');

		d = conf_distance(full, cand);
		if (strcmp(dot ? dot + 1 : cand, name) == 0 && d > 1)
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = cand;
		}
	}
	for (i = 0; conf_opts[i].name; i++)
		if (conf_opts[i].type == CFGT_SEC && (d = conf_distance(full, conf_opts[i].name)) < bestd) {
			bestd = d;
			best = conf_opts[i].name;
		}
	if (best)
		snprintf(buf, len, " (did you mean %s?)", best);
}

/* conf_find_opt - the option of this name in opts, NULL if none */
static const cfg_opt_t *
conf_find_opt(const cfg_opt_t *opts, const char *name)
{
	size_t	i;

	for (i = 0; opts[i].name; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

/* conf_find_deprecated - the deprecated-table entry of a full name, NULL if none */
static const struct conf_deprecated *
conf_find_deprecated(const char *full)
{
	size_t	i;

	for (i = 0; i < sizeof(conf_deprecated) / sizeof(conf_deprecated[0]); i++)
		if (strcmp(conf_deprecated[i].name, full) == 0)
			return &conf_deprecated[i];
	return NULL;
}

/* conf_ignore - report an unknown or deprecated name and blank its statement out */
static int
conf_ignore(struct conf_load *lc, struct conf_src *src, const char *sec, const char *name,
	    const struct conf_tok *tok)
{
	char	full[CONF_NAME_MAX], hint[CONF_NAME_MAX + 32];
	const struct conf_deprecated *dep;
	size_t	end = tok->end;
	int	section;

	conf_full_name(sec, name, full, sizeof(full));
	dep = conf_find_deprecated(full);
	if (conf_skip_statement(lc, src, &end, &section) < 0)
		return -1;
	conf_blank(src, tok->start, end);
	if (dep) {
		conf_problem(lc, CONF_WARNING, tok->line, "deprecated %s '%s' ignored: %s",
			     section ? "section" : "option", full, dep->reason);
		return 0;
	}
	conf_suggest(full, name, hint, sizeof(hint));
	if (lc->mode == CONF_STRICT)
		conf_problem(lc, CONF_ERROR, tok->line, "unknown %s '%s'%s",
			     section ? "section" : "option", full, hint);
	else
		conf_problem(lc, CONF_WARNING, tok->line, "unknown %s '%s' ignored%s",
			     section ? "section" : "option", full, hint);
	return 0;
}

/*
 * conf_scan_block - walk the statements of the top level (sec NULL) or
 * of a section up to its '}'; -1 on a syntax error (reported).
 */
static int
conf_scan_block(struct conf_load *lc, struct conf_src *src, const cfg_opt_t *opts,
		const char *sec, int open_line)
{
	struct conf_tok tok, next;
	char	name[CONF_NAME_MAX], full[CONF_NAME_MAX];
	const cfg_opt_t *opt;
	int	i;

	for (;;) {
		conf_lex(lc, src, &tok);
		switch (tok.type) {
		case CT_ERR:
			return -1;
		case CT_EOF:
			if (sec == NULL)
				return 0;
			conf_problem(lc, CONF_ERROR, open_line,
				     "section '%s' is not closed with '}' before the end of the file",
				     sec);
			return -1;
		case CT_RBRACE:
			if (sec)
				return 0;
			conf_problem(lc, CONF_ERROR, tok.line, "'}' without a section to close");
			return -1;
		case CT_STR:
			break;
		default:
			conf_expected(lc, src, &tok, "an option name");
			return -1;
		}
		conf_tok_text(src, &tok, name, sizeof(name));
		opt = conf_find_opt(opts, name);
		if (opt == NULL) {
			if (conf_ignore(lc, src, sec, name, &tok) < 0)
				return -1;
			continue;
		}
		conf_full_name(sec, name, full, sizeof(full));
		if (opt->type == CFGT_SEC) {
			conf_lex(lc, src, &next);
			if (next.type != CT_LBRACE) {
				char	what[CONF_NAME_MAX + 32];

				snprintf(what, sizeof(what), "'{' after section name %s", full);
				conf_expected(lc, src, &next, what);
				return -1;
			}
			if (conf_scan_block(lc, src, opt->subopts, opt->name, tok.line) < 0)
				return -1;
			continue;
		}
		if ((i = conf_name_index(full)) >= 0)
			lc->lines[i] = tok.line;
		if (conf_scan_value(lc, src, full, (opt->flags & CFGF_LIST) != 0) < 0)
			return -1;
	}
}

/* conf_read_file - the whole file into a NUL-terminated buffer; -1 reported */
static int
conf_read_file(struct conf_load *lc, const char *path, struct conf_src *src)
{
	FILE   *fp;
	size_t	n;
	char   *nul;

	memset(src, 0, sizeof(*src));
	src->line = 1;
	if ((fp = fopen(path, "r")) == NULL) {
		conf_problem(lc, CONF_ERROR, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if ((src->buf = malloc(CONF_FILE_MAX + 2)) == NULL)
		conf_oom();
	n = fread(src->buf, 1, CONF_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		conf_problem(lc, CONF_ERROR, 0, "cannot read: %s", strerror(errno));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	if (n > CONF_FILE_MAX) {
		conf_problem(lc, CONF_ERROR, 0, "larger than %d bytes", CONF_FILE_MAX);
		return -1;
	}
	src->buf[n] = '\0';
	src->len = n;
	if ((nul = memchr(src->buf, '\0', n)) != NULL) {
		int	line = 1;

		for (char *p = src->buf; p < nul; p++)
			line += *p == '\n';
		conf_problem(lc, CONF_ERROR, line, "NUL byte in the file: not a text file");
		return -1;
	}
	return 0;
}

/* ---- step 3: typed struct ---- */

/* conf_free - free a conf and all its strings */
static void
conf_free(struct conf *c)
{
	size_t	i;

	if (c == NULL)
		return;
	free(c->file);
	free(c->socket);
	free(c->socket_group);
	free(c->user);
	free(c->pid_file);
	free(c->spool_dir);
	free(c->embedded.database);
	for (i = 0; i < c->clamd.nservers; i++)
		free(c->clamd.servers[i]);
	for (i = 0; i < c->clamd.nlimits_unreported_ok; i++)
		free(c->clamd.limits_unreported_ok[i]);
	free(c->policy.reject_message);
	free(c->policy.tempfail_message);
	free(c->alert.command);
	free(c->status.file);
	free(c);
}

/* conf_duration - a checked duration option as ms (0 if it was bad: reported already) */
static int64_t
conf_duration(cfg_t *sec, const char *name)
{
	int64_t	ms = 0;

	if (conf_parse_duration(cfg_getstr(sec, name), &ms) < 0)
		return 0;
	return ms;
}

/* conf_size - a checked size option as bytes (0 if it was bad: reported already) */
static uint64_t
conf_size(cfg_t *sec, const char *name)
{
	uint64_t n = 0;

	if (conf_parse_size(cfg_getstr(sec, name), &n) < 0)
		return 0;
	return n;
}

/* conf_action - a checked policy option as an action */
static enum policy_action
conf_action(cfg_t *sec, const char *name, enum policy_action dflt)
{
	int	a = policy_action_from_name(cfg_getstr(sec, name));

	return a < 0 ? dflt : (enum policy_action) a;
}

/* conf_limit - a per-kind limit option: set, or "" so that on_limit (dflt) decides */
static void
conf_limit(cfg_t *sec, enum scan_limit_kind k, enum policy_action dflt, struct policy_limit *out)
{
	const char *opt = policy_limit_option(k);
	int	a = opt ? policy_action_from_name(cfg_getstr(sec, opt)) : -1;

	out->set = a >= 0;
	out->action = a >= 0 ? (enum policy_action) a : dflt;
}

/* conf_convert_limits_ok - clamd.limits_unreported_ok: each entry one of clamd.servers */
static void
conf_convert_limits_ok(struct conf_load *lc, cfg_t *cd, struct conf *c)
{
	unsigned i, n = cfg_size(cd, "limits_unreported_ok");
	int	line = conf_line_of(lc, "clamd.limits_unreported_ok");
	size_t	j;

	for (i = 0; i < n && c->clamd.nlimits_unreported_ok < CONF_MAX_SERVERS; i++) {
		const char *spec = cfg_getnstr(cd, "limits_unreported_ok", i);

		for (j = 0; j < c->clamd.nservers && strcmp(c->clamd.servers[j], spec) != 0; j++)
			;
		if (j == c->clamd.nservers)
			conf_problem(lc, CONF_ERROR, line, "clamd.limits_unreported_ok: \"%.200s\" is "
				     "not one of clamd.servers", spec);
		c->clamd.limits_unreported_ok[c->clamd.nlimits_unreported_ok++] = conf_xstrdup(spec);
	}
}

/* conf_convert_chain - scanners and servers, checked together */
static void
conf_convert_chain(struct conf_load *lc, cfg_t *cfg, struct conf *c)
{
	cfg_t  *cd = cfg_getsec(cfg, "clamd");
	unsigned i, n = cfg_size(cfg, "scanners");
	int	line = conf_line_of(lc, "scanners"), uses_clamd = 0;

	for (i = 0; i < n; i++) {
		const char *name = cfg_getnstr(cfg, "scanners", i);
		int	s = conf_scanner_from_name(name), dup = 0;
		size_t	j;

		if (s < 0)
			continue;	/* reported by conf_cb_scanner */
		for (j = 0; j < c->nscanners; j++)
			dup |= c->scanners[j] == (enum conf_scanner) s;
		if (dup) {
			conf_problem(lc, CONF_ERROR, line, "scanners: %s is listed twice", name);
			continue;
		}
		if (c->nscanners >= CONF_MAX_SCANNERS)
			break;
		c->scanners[c->nscanners++] = (enum conf_scanner) s;
		uses_clamd |= s == CONF_SCANNER_CLAMD;
	}
	if (n == 0)
		conf_problem(lc, CONF_ERROR, line,
			     "scanners: at least one scanner is needed (embedded, clamd)");

	n = cfg_size(cd, "servers");
	line = conf_line_of(lc, "clamd.servers");
	if (n > CONF_MAX_SERVERS) {
		conf_problem(lc, CONF_ERROR, line, "clamd.servers: %u servers, at most %d are allowed",
			     n, CONF_MAX_SERVERS);
		n = CONF_MAX_SERVERS;
	}
	for (i = 0; i < n; i++)
		c->clamd.servers[c->clamd.nservers++] = conf_xstrdup(cfg_getnstr(cd, "servers", i));
	if (uses_clamd && n == 0)
		conf_problem(lc, CONF_ERROR, line ? line : conf_line_of(lc, "scanners"),
			     "scanners lists clamd but clamd.servers is empty");
	conf_convert_limits_ok(lc, cd, c);
}

/* conf_convert - the parsed table into struct conf, checking what spans options */
static void
conf_convert(struct conf_load *lc, cfg_t *cfg, struct conf *c)
{
	cfg_t  *emb = cfg_getsec(cfg, "embedded");
	cfg_t  *cd = cfg_getsec(cfg, "clamd");
	cfg_t  *pol = cfg_getsec(cfg, "policy");
	cfg_t  *hdr = cfg_getsec(cfg, "headers");
	cfg_t  *al = cfg_getsec(cfg, "alert");
	cfg_t  *st = cfg_getsec(cfg, "status");
	long	scans;
	int	k;

	c->socket = conf_xstrdup(cfg_getstr(cfg, "socket"));
	c->socket_group = conf_xstrdup(cfg_getstr(cfg, "socket_group"));
	c->socket_mode = conf_mode(cfg_getstr(cfg, "socket_mode")) >= 0 ?
	    (unsigned) conf_mode(cfg_getstr(cfg, "socket_mode")) : 0660;
	c->user = conf_xstrdup(cfg_getstr(cfg, "user"));
	c->pid_file = conf_xstrdup(cfg_getstr(cfg, "pid_file"));
	c->log_level = log_level_from_name(cfg_getstr(cfg, "log_level"));
	if (c->log_level < 0)
		c->log_level = LOG_LEVEL_INFO;
	c->syslog_facility = log_facility_from_name(cfg_getstr(cfg, "syslog_facility"));
	if (c->syslog_facility < 0)
		c->syslog_facility = log_facility_from_name("mail");
	conf_convert_chain(lc, cfg, c);
	scans = cfg_getint(cfg, "max_scans");
	if (scans <= 0) {
		scans = sysconf(_SC_NPROCESSORS_ONLN);
		if (scans < 1)
			scans = 1;
		if (scans > CONF_MAX_SCANS)
			scans = CONF_MAX_SCANS;
	}
	c->max_scans = (unsigned) scans;
	c->memory_limit = (size_t) conf_size(cfg, "memory_limit");
	c->spool_dir = conf_xstrdup(cfg_getstr(cfg, "spool_dir"));

	c->embedded.database = conf_xstrdup(cfg_getstr(emb, "database"));
	c->embedded.reload_check_ms = conf_duration(emb, "reload_check");
	c->embedded.max_db_age_ms = conf_duration(emb, "max_db_age");
	c->embedded.max_scan_time_ms = conf_duration(emb, "max_scan_time");
	c->embedded.max_file_size = conf_size(emb, "max_file_size");
	c->embedded.max_scan_size = conf_size(emb, "max_scan_size");
	c->embedded.max_recursion = (unsigned) cfg_getint(emb, "max_recursion");
	c->embedded.max_files = (unsigned) cfg_getint(emb, "max_files");

	c->clamd.connect_timeout_ms = conf_duration(cd, "connect_timeout");
	c->clamd.scan_timeout_ms = conf_duration(cd, "scan_timeout");
	c->clamd.retry_after_ms = conf_duration(cd, "retry_after");
	c->clamd.stream_max = conf_size(cd, "stream_max");

	c->policy.on_infected = conf_action(pol, "on_infected", POLICY_REJECT);
	c->policy.on_unavailable = conf_action(pol, "on_unavailable", POLICY_TEMPFAIL);
	c->policy.fail_open_after_ms = conf_duration(pol, "fail_open_after");
	c->policy.on_limit = conf_action(pol, "on_limit", POLICY_ACCEPT);
	for (k = 0; k < SCAN_LIMIT_KIND_COUNT; k++)
		conf_limit(pol, (enum scan_limit_kind) k, c->policy.on_limit,
			   &c->policy.on_limit_kind[k]);
	c->policy.on_error = conf_action(pol, "on_error", POLICY_TEMPFAIL);
	c->policy.max_size = conf_size(pol, "max_size");
	c->policy.reject_message = conf_xstrdup(cfg_getstr(pol, "reject_message"));
	c->policy.tempfail_message = conf_xstrdup(cfg_getstr(pol, "tempfail_message"));
	c->policy.skip_authenticated = cfg_getbool(pol, "skip_authenticated") == cfg_true;

	c->headers.add = cfg_getbool(hdr, "add") == cfg_true;
	c->headers.strip_incoming = cfg_getbool(hdr, "strip_incoming") == cfg_true;

	c->alert.command = conf_xstrdup(cfg_getstr(al, "command"));
	c->alert.min_interval_ms = conf_duration(al, "min_interval");

	c->status.file = conf_xstrdup(cfg_getstr(st, "file"));
	c->status.interval_ms = conf_duration(st, "interval");
}

/* conf_load_locked - the three steps, under conf_lock; returns the new conf or NULL */
static struct conf *
conf_load_locked(struct conf_load *lc, const char *path)
{
	struct conf_src src;
	struct conf *c = NULL;
	cfg_t  *cfg;
	int	rc = CFG_SUCCESS;

	memset(&src, 0, sizeof(src));
	if (path) {
		if (conf_read_file(lc, path, &src) < 0) {
			free(src.buf);
			return NULL;
		}
		if (conf_scan_block(lc, &src, conf_opts, NULL, 0) < 0) {
			free(src.buf);
			return NULL;	/* a syntax error: libconfuse would only add noise */
		}
	}
	if ((cfg = cfg_init(conf_opts, CFGF_NONE)) == NULL)
		conf_oom();
	cfg_set_error_function(cfg, conf_cfg_error);
	if (path && src.len > 0)
		rc = cfg_parse_buf(cfg, src.buf);
	free(src.buf);
	if (rc != CFG_SUCCESS && lc->errors == 0)
		conf_problem(lc, CONF_ERROR, 0, "cannot be parsed");
	if (rc == CFG_SUCCESS) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			conf_oom();
		c->file = path ? conf_xstrdup(path) : NULL;
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
	pthread_mutex_lock(&conf_lock);
	conf_cur = &lc;
	c = conf_load_locked(&lc, path);
	conf_cur = NULL;
	pthread_mutex_unlock(&conf_lock);
	conf_report_all(&lc, report, ctx);
	free(lc.problems);
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
