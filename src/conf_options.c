/*
 * NAME
 *	conf_options 3 - the options of clamshim.conf: one row each
 * SUMMARY
 *	conf_table_root(), conf_table_section(), conf_table_find(),
 *	conf_table_index(), conf_full_name(), conf_deprecated_reason(),
 *	conf_option_count(), conf_option_name(), conf_option_default(),
 *	conf_policy_option(), conf_policy_allowed()
 * DESCRIPTION
 *	The one table of options (see conf_table(3h)): a row per option with
 *	its name, type, default (as DESIGN.md and contrib/clamshim.conf write
 *	it), bounds or allowed values, and the field it fills in the struct
 *	of its section. Sections are rows too, placed after the options of
 *	the top level. The deprecated options are the other table here: a
 *	name and the reason, warned about and ignored.
 *
 *	The rest of this file looks things up in the tables: a section by
 *	name, a row by name, the flat list of full names ("embedded.database")
 *	that the documentation checks and the line bookkeeping of a load use,
 *	and the policy rows that policy(3) asks for the names and the allowed
 *	values of its options.
 * DIAGNOSTICS
 *	None: the tables are constant. The flat name list is built once.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "conf_table.h"
#include "policy.h"
#include "runner.h"
#include "util.h"

#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))

/* The start of a row: name, type, default, and the field of struct S it fills. */
#define ROW(S, n, t, d, f)	.name = (n), .type = (t), .dflt = (d), .off = offsetof(S, f)
/* A list row: its count field in S, at most m values, called what in messages. */
#define LIST(S, cnt, m, what)	.flags = CONF_LIST, .count_off = offsetof(S, cnt), .max = (m), \
				.meaning = (what)
/* A section row: its rows fill the struct at field f of S. */
#define SECTION(S, n, f, sec)	.name = (n), .type = CONF_SECTION, .off = offsetof(S, f), .sub = &(sec)
/* A set of policy actions. */
#define ACT(a)			POLICY_MASK(POLICY_##a)
/* The actions of on_limit and of each kind of limit. */
#define LIMIT_ACTIONS		(ACT(ACCEPT) | ACT(TEMPFAIL) | ACT(REJECT))
/* The field of the option for one kind of limit. */
#define LIMIT_KIND(k)		on_limit_kind[SCAN_LIMIT_##k]

/* embedded { }: the libclamav engine of this process */
static const struct conf_row conf_embedded_rows[] = {
	{ROW(struct conf_embedded, "database", CONF_PATH, "/var/lib/clamav", database)},
	{ROW(struct conf_embedded, "reload_check", CONF_DURATION0, "60s", reload_check_ms)},
	{ROW(struct conf_embedded, "max_db_age", CONF_DURATION0, "48h", max_db_age_ms)},
	{ROW(struct conf_embedded, "max_scan_time", CONF_DURATION, "30s", max_scan_time_ms)},
	{ROW(struct conf_embedded, "max_file_size", CONF_SIZE, "25M", max_file_size)},
	{ROW(struct conf_embedded, "max_scan_size", CONF_SIZE, "100M", max_scan_size)},
	{ROW(struct conf_embedded, "max_recursion", CONF_COUNT, "16", max_recursion),
	 .min = 1, .max = 1024, .meaning = "archive nesting depth"},
	{ROW(struct conf_embedded, "max_files", CONF_COUNT, "10000", max_files),
	 .min = 1, .max = 10000000, .meaning = "files scanned in one message"},
	{ROW(struct conf_embedded, "cache", CONF_BOOL, "true", cache)},
	{ROW(struct conf_embedded, "reload_mode", CONF_TEXT, "concurrent", reload_mode)},
	/* detection options: clamd.conf's, with clamd's defaults (emb_engine(3)) */
	{ROW(struct conf_embedded, "detect_pua", CONF_BOOL, "false", detect_pua)},
	{ROW(struct conf_embedded, "exclude_pua", CONF_TEXT, "{}", exclude_pua),
	 LIST(struct conf_embedded, nexclude_pua, CONF_MAX_PUA_CATS, "categories")},
	{ROW(struct conf_embedded, "include_pua", CONF_TEXT, "{}", include_pua),
	 LIST(struct conf_embedded, ninclude_pua, CONF_MAX_PUA_CATS, "categories")},
	{ROW(struct conf_embedded, "heuristic_alerts", CONF_BOOL, "true", heuristic_alerts)},
	{ROW(struct conf_embedded, "heuristic_scan_precedence", CONF_BOOL, "false", heuristic_scan_precedence)},
	{ROW(struct conf_embedded, "alert_broken_executables", CONF_BOOL, "false", alert_broken_executables)},
	{ROW(struct conf_embedded, "alert_broken_media", CONF_BOOL, "false", alert_broken_media)},
	{ROW(struct conf_embedded, "alert_encrypted", CONF_BOOL, "false", alert_encrypted)},
	{ROW(struct conf_embedded, "alert_encrypted_archive", CONF_BOOL, "false", alert_encrypted_archive)},
	{ROW(struct conf_embedded, "alert_encrypted_doc", CONF_BOOL, "false", alert_encrypted_doc)},
	{ROW(struct conf_embedded, "alert_ole2_macros", CONF_BOOL, "false", alert_ole2_macros)},
	{ROW(struct conf_embedded, "alert_phishing_ssl_mismatch", CONF_BOOL, "false", alert_phishing_ssl_mismatch)},
	{ROW(struct conf_embedded, "alert_phishing_cloak", CONF_BOOL, "false", alert_phishing_cloak)},
	{ROW(struct conf_embedded, "alert_partition_intersection", CONF_BOOL, "false", alert_partition_intersection)},
	{ROW(struct conf_embedded, "phishing_signatures", CONF_BOOL, "true", phishing_signatures)},
	{ROW(struct conf_embedded, "phishing_scan_urls", CONF_BOOL, "true", phishing_scan_urls)},
	{ROW(struct conf_embedded, "scan_pe", CONF_BOOL, "true", scan_pe)},
	{ROW(struct conf_embedded, "scan_elf", CONF_BOOL, "true", scan_elf)},
	{ROW(struct conf_embedded, "scan_ole2", CONF_BOOL, "true", scan_ole2)},
	{ROW(struct conf_embedded, "scan_pdf", CONF_BOOL, "true", scan_pdf)},
	{ROW(struct conf_embedded, "scan_swf", CONF_BOOL, "true", scan_swf)},
	{ROW(struct conf_embedded, "scan_xmldocs", CONF_BOOL, "true", scan_xmldocs)},
	{ROW(struct conf_embedded, "scan_hwp3", CONF_BOOL, "true", scan_hwp3)},
	{ROW(struct conf_embedded, "scan_onenote", CONF_BOOL, "true", scan_onenote)},
	{ROW(struct conf_embedded, "scan_html", CONF_BOOL, "true", scan_html)},
	{ROW(struct conf_embedded, "scan_archive", CONF_BOOL, "true", scan_archive)},
	{ROW(struct conf_embedded, "scan_image", CONF_BOOL, "true", scan_image)},
	{ROW(struct conf_embedded, "scan_image_fuzzy_hash", CONF_BOOL, "true", scan_image_fuzzy_hash)},
	{ROW(struct conf_embedded, "bytecode", CONF_BOOL, "true", bytecode)},
	{ROW(struct conf_embedded, "bytecode_security", CONF_TEXT, "TrustSigned", bytecode_security)},
	{ROW(struct conf_embedded, "bytecode_timeout", CONF_DURATION, "10s", bytecode_timeout_ms)},
	{ROW(struct conf_embedded, "bytecode_unsigned", CONF_BOOL, "false", bytecode_unsigned)},
	{ROW(struct conf_embedded, "official_database_only", CONF_BOOL, "false", official_database_only)},
	{ROW(struct conf_embedded, "max_embedded_pe", CONF_SIZE, "40M", max_embedded_pe)},
	{ROW(struct conf_embedded, "max_html_normalize", CONF_SIZE, "40M", max_html_normalize)},
	{ROW(struct conf_embedded, "max_html_no_tags", CONF_SIZE, "8M", max_html_no_tags)},
	{ROW(struct conf_embedded, "max_script_normalize", CONF_SIZE, "20M", max_script_normalize)},
	{ROW(struct conf_embedded, "max_zip_type_rcg", CONF_SIZE, "1M", max_zip_type_rcg)},
	{ROW(struct conf_embedded, "max_partitions", CONF_COUNT, "50", max_partitions),
	 .min = 1, .max = 1000000, .meaning = "partitions of a disk image"},
	{ROW(struct conf_embedded, "max_icons_pe", CONF_COUNT, "100", max_icons_pe),
	 .min = 1, .max = 1000000, .meaning = "icons of a PE file"},
	{ROW(struct conf_embedded, "max_rec_hwp3", CONF_COUNT, "16", max_rec_hwp3),
	 .min = 1, .max = 1000000, .meaning = "HWP3 recursion depth"},
	{ROW(struct conf_embedded, "pcre_match_limit", CONF_COUNT, "100000", pcre_match_limit),
	 .min = 1, .max = 2000000000, .meaning = "PCRE match calls"},
	{ROW(struct conf_embedded, "pcre_rec_match_limit", CONF_COUNT, "2000", pcre_rec_match_limit),
	 .min = 1, .max = 2000000000, .meaning = "PCRE recursion calls"},
	{ROW(struct conf_embedded, "pcre_max_file_size", CONF_SIZE, "100M", pcre_max_file_size)},
	{ROW(struct conf_embedded, "structured_data_detection", CONF_BOOL, "false", structured_data_detection)},
	{ROW(struct conf_embedded, "structured_min_credit_card_count", CONF_COUNT, "3", structured_min_credit_card_count),
	 .min = 1, .max = 1000000, .meaning = "credit card numbers"},
	{ROW(struct conf_embedded, "structured_min_ssn_count", CONF_COUNT, "3", structured_min_ssn_count),
	 .min = 1, .max = 1000000, .meaning = "social security numbers"},
	{ROW(struct conf_embedded, "structured_ssn_format_normal", CONF_BOOL, "true", structured_ssn_format_normal)},
	{ROW(struct conf_embedded, "structured_ssn_format_stripped", CONF_BOOL, "false", structured_ssn_format_stripped)},
	{ROW(struct conf_embedded, "structured_cc_only", CONF_BOOL, "false", structured_cc_only)},
};

/* clamd { }: the pool of clamd servers */
static const struct conf_row conf_clamd_rows[] = {
	{ROW(struct conf_clamd, "servers", CONF_SERVER, "{\"unix:/run/clamav/clamd.ctl\"}", servers),
	 LIST(struct conf_clamd, nservers, CONF_MAX_SERVERS, "servers")},
	{ROW(struct conf_clamd, "connect_timeout", CONF_DURATION, "2s", connect_timeout_ms)},
	{ROW(struct conf_clamd, "scan_timeout", CONF_DURATION, "60s", scan_timeout_ms)},
	{ROW(struct conf_clamd, "retry_after", CONF_DURATION0, "10s", retry_after_ms)},
	{ROW(struct conf_clamd, "stream_max", CONF_SIZE, "25M", stream_max)},
	{ROW(struct conf_clamd, "limits_unreported_ok", CONF_SERVER, "{}", limits_unreported_ok),
	 LIST(struct conf_clamd, nlimits_unreported_ok, CONF_MAX_SERVERS, "entries")},
};

/*
 * policy { }: fills a struct policy_conf wherever it sits. An on_limit_*
 * of a kind that is "" is decided by on_limit (conf_inherit_limits).
 */
static const struct conf_row conf_policy_rows[] = {
	{ROW(struct policy_conf, "on_infected", CONF_ACTION, "reject", on_infected),
	 .allowed = ACT(REJECT) | ACT(DISCARD) | ACT(QUARANTINE) | ACT(TAG)},
	{ROW(struct policy_conf, "on_unavailable", CONF_ACTION, "tempfail", on_unavailable),
	 .allowed = ACT(TEMPFAIL) | ACT(ACCEPT) | ACT(REJECT) | ACT(QUARANTINE) | ACT(HOLD)},
	{ROW(struct policy_conf, "fail_open_after", CONF_DURATION0, "0", fail_open_after_ms)},
	{ROW(struct policy_conf, "on_limit", CONF_ACTION, "accept", on_limit),
	 .allowed = LIMIT_ACTIONS},
	{ROW(struct policy_conf, "on_limit_size", CONF_ACTION_UNSET, "", LIMIT_KIND(SIZE)),
	 .allowed = LIMIT_ACTIONS},
	{ROW(struct policy_conf, "on_limit_files", CONF_ACTION_UNSET, "", LIMIT_KIND(FILES)),
	 .allowed = LIMIT_ACTIONS},
	{ROW(struct policy_conf, "on_limit_time", CONF_ACTION_UNSET, "", LIMIT_KIND(TIME)),
	 .allowed = LIMIT_ACTIONS},
	{ROW(struct policy_conf, "on_limit_nesting", CONF_ACTION_UNSET, "reject", LIMIT_KIND(NESTING)),
	 .allowed = LIMIT_ACTIONS},
	{ROW(struct policy_conf, "on_error", CONF_ACTION, "tempfail", on_error),
	 .allowed = ACT(TEMPFAIL) | ACT(ACCEPT) | ACT(REJECT) | ACT(QUARANTINE)},
	{ROW(struct policy_conf, "on_ambiguous", CONF_ACTION, "tag", on_ambiguous),
	 .allowed = ACT(TAG) | ACT(REJECT) | ACT(TEMPFAIL)},
	{ROW(struct policy_conf, "max_size", CONF_SIZE0, "50M", max_size)},
	{ROW(struct policy_conf, "reject_message", CONF_MESSAGE, POLICY_DEFAULT_REJECT, reject_message),
	 .max = 400},
	{ROW(struct policy_conf, "tempfail_message", CONF_MESSAGE, POLICY_DEFAULT_TEMPFAIL,
	     tempfail_message), .max = 400},
	{ROW(struct policy_conf, "skip_authenticated", CONF_BOOL, "false", skip_authenticated)},
};

/* headers { } */
static const struct conf_row conf_headers_rows[] = {
	{ROW(struct conf_headers, "add", CONF_BOOL, "true", add)},
	{ROW(struct conf_headers, "strip_incoming", CONF_BOOL, "true", strip_incoming)},
	{ROW(struct conf_headers, "hostname", CONF_HOSTNAME, "", hostname)},
};

/* alert { }: command "" = syslog only */
static const struct conf_row conf_alert_rows[] = {
	{ROW(struct conf_alert, "command", CONF_TEXT, "", command)},
	{ROW(struct conf_alert, "min_interval", CONF_DURATION0, "5m", min_interval_ms)},
	{ROW(struct conf_alert, "virus_command", CONF_TEXT, "", virus_command)},
	{ROW(struct conf_alert, "virus_max_running", CONF_COUNT, "4", virus_max_running),
	 .min = 1, .max = RUNNER_KIDS_MAX, .meaning = "virus commands running at once"},
};

/* status { }: file "" = none */
static const struct conf_row conf_status_rows[] = {
	{ROW(struct conf_status, "file", CONF_TEXT, "/run/clamshim/metrics.prom", file)},
	{ROW(struct conf_status, "interval", CONF_DURATION, "10s", interval_ms)},
};

/* hold { }: the action hold (hold(3)); dir is the daemon's ledger */
static const struct conf_row conf_hold_rows[] = {
	{ROW(struct conf_hold, "mta", CONF_MTA, "postfix", mta)},
	{ROW(struct conf_hold, "max_messages", CONF_COUNT, "10000", max_messages),
	 .min = 1, .max = 10000000, .meaning = "messages held at once"},
	{ROW(struct conf_hold, "max_age", CONF_DURATION, "4d", max_age_ms)},
	{ROW(struct conf_hold, "dir", CONF_PATH, "/var/lib/clamshim/held", dir)},
};

/* signature "GLOB" { }: one rule; its glob is the title (struct policy_sigrule) */
static const struct conf_row conf_signature_rows[] = {
	{ROW(struct policy_sigrule, "action", CONF_RULE_ACTION, NULL, what),
	 .allowed = ACT(REJECT) | ACT(DISCARD) | ACT(QUARANTINE) | ACT(TAG)},
};

static const struct conf_section conf_signature_sec = {conf_signature_rows, NROWS(conf_signature_rows)};
static const struct conf_section conf_policy_sec = {conf_policy_rows, NROWS(conf_policy_rows)};

/*
 * class "NAME" { }: one class; its name is the title (struct
 * policy_class). Its policy { } takes the rows of the policy section
 * without defaults: a key it does not set is the top level's.
 */
static const struct conf_row conf_class_rows[] = {
	{ROW(struct policy_class, "networks", CONF_NETWORK, "{}", networks),
	 LIST(struct policy_class, nnetworks, POLICY_CLASS_ENTRIES_MAX, "networks")},
	{ROW(struct policy_class, "authenticated", CONF_BOOL_UNSET, "", authenticated)},
	{ROW(struct policy_class, "auth_users", CONF_GLOB, "{}", auth_users),
	 LIST(struct policy_class, nauth_users, POLICY_CLASS_ENTRIES_MAX, "entries")},
	{ROW(struct policy_class, "daemons", CONF_GLOB, "{}", daemons),
	 LIST(struct policy_class, ndaemons, POLICY_CLASS_ENTRIES_MAX, "entries")},
	{ROW(struct policy_class, "senders", CONF_GLOB, "{}", senders),
	 LIST(struct policy_class, nsenders, POLICY_CLASS_ENTRIES_MAX, "entries")},
	{ROW(struct policy_class, "recipients", CONF_GLOB, "{}", recipients),
	 LIST(struct policy_class, nrecipients, POLICY_CLASS_ENTRIES_MAX, "entries")},
	{ROW(struct policy_class, "scan", CONF_BOOL, "true", scan)},
	{SECTION(struct policy_class, "policy", over, conf_policy_sec), .flags = CONF_INHERIT},
};

static const struct conf_section conf_class_sec = {conf_class_rows, NROWS(conf_class_rows)};
static const struct conf_section conf_embedded_sec = {conf_embedded_rows, NROWS(conf_embedded_rows)};
static const struct conf_section conf_clamd_sec = {conf_clamd_rows, NROWS(conf_clamd_rows)};
static const struct conf_section conf_headers_sec = {conf_headers_rows, NROWS(conf_headers_rows)};
static const struct conf_section conf_alert_sec = {conf_alert_rows, NROWS(conf_alert_rows)};
static const struct conf_section conf_status_sec = {conf_status_rows, NROWS(conf_status_rows)};
static const struct conf_section conf_hold_sec = {conf_hold_rows, NROWS(conf_hold_rows)};

/* The top level: pid_file "" = none, socket_group "" = the group of user. */
static const struct conf_row conf_root_rows[] = {
	{ROW(struct conf, "socket", CONF_SOCKET, "unix:/run/clamshim/clamshim.sock", socket)},
	{ROW(struct conf, "socket_group", CONF_TEXT, "", socket_group)},
	{ROW(struct conf, "socket_mode", CONF_MODE, "0660", socket_mode)},
	{ROW(struct conf, "user", CONF_TEXT, "clamav", user)},
	{ROW(struct conf, "pid_file", CONF_TEXT, "/run/clamshim/clamshim.pid", pid_file)},
	{ROW(struct conf, "log_level", CONF_LOG_LEVEL, "info", log_level)},
	{ROW(struct conf, "syslog_facility", CONF_FACILITY, "mail", syslog_facility)},
	{ROW(struct conf, "scanners", CONF_SCANNER, "{\"embedded\"}", scanners),
	 LIST(struct conf, nscanners, CONF_MAX_SCANNERS, "scanners")},
	{ROW(struct conf, "max_scans", CONF_COUNT, "0", max_scans),
	 .min = 0, .max = CONF_MAX_SCANS, .meaning = "0 = number of CPUs"},
	{ROW(struct conf, "memory_limit", CONF_SIZE0, "1M", memory_limit)},
	{ROW(struct conf, "spool_dir", CONF_PATH, "/var/tmp", spool_dir)},
	{ROW(struct conf, "log_addresses", CONF_LOG_ADDRESSES, "infected", log_addresses)},
	{SECTION(struct conf, "embedded", embedded, conf_embedded_sec)},
	{SECTION(struct conf, "clamd", clamd, conf_clamd_sec)},
	{SECTION(struct conf, "policy", policy, conf_policy_sec)},
	{SECTION(struct conf, "headers", headers, conf_headers_sec)},
	{SECTION(struct conf, "alert", alert, conf_alert_sec)},
	{SECTION(struct conf, "status", status, conf_status_sec)},
	{SECTION(struct conf, "hold", hold, conf_hold_sec)},
	{SECTION(struct conf, "signature", sigrules, conf_signature_sec), .flags = CONF_TITLED,
	 .count_off = offsetof(struct conf, nsigrules), .max = POLICY_SIGRULES_MAX,
	 .elem_size = sizeof(struct policy_sigrule), .title_max = 200, .meaning = "signature rules"},
	{SECTION(struct conf, "class", classes, conf_class_sec), .flags = CONF_TITLED,
	 .count_off = offsetof(struct conf, nclasses), .max = POLICY_CLASSES_MAX,
	 .elem_size = sizeof(struct policy_class), .title_max = POLICY_CLASS_NAME_MAX, .meaning = "classes"},
};

static const struct conf_section conf_root_sec = {conf_root_rows, NROWS(conf_root_rows)};

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

/* ---- lookups ---- */

/* conf_table_root - the top level: its rows, sections last */
const struct conf_section *
conf_table_root(void)
{
	return &conf_root_sec;
}

/* conf_table_find - the row of this name in sec; NULL if none */
const struct conf_row *
conf_table_find(const struct conf_section *sec, const char *name)
{
	size_t	i;

	for (i = 0; sec != NULL && name != NULL && i < sec->nrows; i++)
		if (strcmp(sec->rows[i].name, name) == 0)
			return &sec->rows[i];
	return NULL;
}

/* conf_section_in - the section of this name at or below sec; NULL if none */
static const struct conf_section *
conf_section_in(const struct conf_section *sec, const char *name)
{
	const struct conf_section *found;
	size_t	i;

	for (i = 0; i < sec->nrows; i++) {
		if (sec->rows[i].type != CONF_SECTION)
			continue;
		if (strcmp(sec->rows[i].name, name) == 0)
			return sec->rows[i].sub;
		if ((found = conf_section_in(sec->rows[i].sub, name)) != NULL)
			return found;
	}
	return NULL;
}

/* conf_table_section - the section of this name ("root" or NULL = the top level); NULL if none */
const struct conf_section *
conf_table_section(const char *name)
{
	if (name == NULL || strcmp(name, "root") == 0)
		return &conf_root_sec;
	return conf_section_in(&conf_root_sec, name);
}

/* conf_full_name - "section.option" (sec NULL or "root": "option"); cut with "..." */
void
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

/* conf_deprecated_reason - why a full name is deprecated; NULL if it is not */
const char *
conf_deprecated_reason(const char *full)
{
	size_t	i;

	for (i = 0; i < NROWS(conf_deprecated); i++)
		if (strcmp(conf_deprecated[i].name, full) == 0)
			return conf_deprecated[i].reason;
	return NULL;
}

/* ---- the flat list of options ---- */

/* One option of the flat list. */
struct conf_name {
	char	full[CONF_NAME_MAX];	/* "embedded.database" */
	const struct conf_row *row;
};

static struct conf_name *conf_names;	/* built once, never changed */
static size_t conf_nnames;
static pthread_once_t conf_names_once = PTHREAD_ONCE_INIT;

/* conf_names_add - the options of sec (and of its sections) under prefix */
static void
conf_names_add(const struct conf_section *sec, const char *prefix)
{
	size_t	i;

	for (i = 0; i < sec->nrows; i++) {
		const struct conf_row *r = &sec->rows[i];

		if (r->type == CONF_SECTION && (r->flags & CONF_TITLED))
			continue;		/* repeatable: not one option each */
		if (r->type == CONF_SECTION) {
			char	sub[CONF_NAME_MAX];

			conf_full_name(prefix, r->name, sub, sizeof(sub));
			conf_names_add(r->sub, sub);
			continue;
		}
		conf_names = util_realloc(conf_names, (conf_nnames + 1) * sizeof(*conf_names));
		conf_full_name(prefix, r->name, conf_names[conf_nnames].full, CONF_NAME_MAX);
		conf_names[conf_nnames++].row = r;
	}
}

/* conf_names_build - the flat list, in table order */
static void
conf_names_build(void)
{
	conf_names_add(&conf_root_sec, NULL);
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
	return i < conf_option_count() ? conf_names[i].full : NULL;
}

/* conf_option_default - its built-in default as a file writes the value; NULL past the end or none */
const char *
conf_option_default(size_t i)
{
	return i < conf_option_count() ? conf_names[i].row->dflt : NULL;
}

/* conf_table_index - index of a full option name in conf_option_name() order; -1 if none */
int
conf_table_index(const char *full)
{
	size_t	i;

	for (i = 0; i < conf_option_count(); i++)
		if (strcmp(conf_names[i].full, full) == 0)
			return (int) i;
	return -1;
}

/* ---- for policy(3) ---- */

/* conf_policy_option - the policy option that fills field off of struct policy_conf; NULL if none */
const char *
conf_policy_option(size_t off)
{
	size_t	i;

	for (i = 0; i < conf_policy_sec.nrows; i++)
		if (conf_policy_rows[i].off == off)
			return conf_policy_rows[i].name;
	return NULL;
}

/* conf_policy_allowed - the actions the policy option of this name allows (POLICY_MASK bits) */
unsigned
conf_policy_allowed(const char *name)
{
	const struct conf_row *r = conf_table_find(&conf_policy_sec, name);

	return r != NULL ? r->allowed : 0;
}
