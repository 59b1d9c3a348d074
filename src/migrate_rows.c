/*
 * NAME
 *	migrate_rows 3 - the options of clamav-milter.conf and clamd.conf: one row each
 * SUMMARY
 *	migrate_row_find(), migrate_row_count()
 * DESCRIPTION
 *	migrate_rows is the table: one row per option of either file, with
 *	its handler and the clamshim option it fills. A handler parses the
 *	value as clamav does (booleans yes/no/true/false/on/off/1/0, sizes
 *	with K or M, seconds or milliseconds) and either sets a clamshim
 *	option through migrate_set_checked() (so clamshim's own parser of
 *	that option checks the value), notes that clamshim behaves so anyway
 *	(migrate_same), or drops the option with the reason (migrate_drop).
 *
 *	LocalNet, AllowList and SkipAuthenticated fill the sections of the
 *	classes: their handlers are in migrate_class.c.
 * DIAGNOSTICS
 *	Everything is hostile: values that are not printable, not numbers,
 *	out of clamshim's bounds, or lists past their bound are dropped.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_table.h"
#include "migrate_int.h"
#include "util.h"

#define NROWS(t)		(sizeof(t) / sizeof((t)[0]))

/* The name of each output section, as conf_table_section knows it. */
static const char *const migrate_sect_name[MS_COUNT] = {
	[MS_TOP] = "root", [MS_EMBEDDED] = "embedded", [MS_CLAMD] = "clamd",
	[MS_POLICY] = "policy", [MS_HEADERS] = "headers", [MS_LOG] = "root",
};

/* ---- value parsers ---- */

/* migrate_bool - clamav's yes|no, true|false, on|off, 1|0; -1 when none */
static int
migrate_bool(const char *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
	size_t	i;

	for (i = 0; i < NROWS(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* migrate_number - digits, then an optional suffix in sfx; its value or -1 (past 2^40 too) */
long long
migrate_number(const char *v, const char *sfx, char *unit)
{
	long long n = 0;
	size_t	i;

	for (i = 0; isdigit((unsigned char) v[i]); i++) {
		n = n * 10 + (v[i] - '0');
		if (n > (1LL << 40))
			return -1;
	}
	*unit = '\0';
	if (i == 0)
		return -1;
	if (v[i] && strchr(sfx, v[i]) != NULL && v[i + 1] == '\0')
		*unit = (char) toupper((unsigned char) v[i]);
	else if (v[i])
		return -1;
	return n;
}

/* ---- handlers ---- */

/* migrate_h_same - clamshim needs nothing for it; the row says why */
static void
migrate_h_same(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	migrate_same(m, e, r->key);
}

/* migrate_h_drop - nothing in clamshim does it; the row says why */
static void
migrate_h_drop(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	migrate_drop(m, e, "%s", r->key);
}

/* migrate_h_text - a text option */
static void
migrate_h_text(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	(void) migrate_set_checked(m, e, r->sect, migrate_sect_name[r->sect], r->key, e->value, 0);
}

/* migrate_h_bool - a boolean option */
static void
migrate_h_bool(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	int	b = migrate_bool(e->value);

	if (b < 0)
		migrate_drop(m, e, "not a boolean");
	else
		(void) migrate_set_checked(m, e, r->sect, migrate_sect_name[r->sect], r->key,
					   b ? "true" : "false", 1);
}

/* migrate_h_size - a size: digits, K or M (G) */
static void
migrate_h_size(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	char	unit, v[32];
	long long n = migrate_number(e->value, "kKmMgG", &unit);

	if (n < 0) {
		migrate_drop(m, e, "not a size");
		return;
	}
	if (unit)
		snprintf(v, sizeof(v), "%lld%c", n, unit);
	else
		snprintf(v, sizeof(v), "%lld", n);
	if (n == 0 && strcmp(r->key, "max_size") != 0)
		migrate_drop(m, e, "0 (no limit) is not allowed: clamshim bounds every scan; "
			     "its default is kept");
	else
		(void) migrate_set_checked(m, e, r->sect, migrate_sect_name[r->sect], r->key, v, 0);
}

/* migrate_h_count - a whole number */
static void
migrate_h_count(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	char	unit;
	long long n = migrate_number(e->value, "", &unit);

	if (n < 0)
		migrate_drop(m, e, "not a number");
	else if (n == 0)
		migrate_drop(m, e, "0 (no limit) is not allowed: clamshim bounds every scan; "
			     "its default is kept");
	else
		(void) migrate_set_checked(m, e, r->sect, migrate_sect_name[r->sect], r->key,
					   e->value, 1);
}

/* migrate_h_time - a duration in seconds (key starts with "s:") or milliseconds ("ms:") */
static void
migrate_h_time(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	const char *unit = r->key[0] == 's' ? "s" : "ms", *key = strchr(r->key, ':') + 1;
	char	u, v[40];
	long long n = migrate_number(e->value, "", &u);

	if (n < 0)
		migrate_drop(m, e, "not a number");
	else if (n == 0)
		migrate_drop(m, e, "0 (no limit) is not allowed: clamshim bounds every scan; "
			     "its default is kept");
	else {
		if (unit[1] == 's' && n % 1000 == 0)	/* "120000ms": "120s" */
			snprintf(v, sizeof(v), "%llds", n / 1000);
		else
			snprintf(v, sizeof(v), "%lld%s", n, unit);
		(void) migrate_set_checked(m, e, r->sect, migrate_sect_name[r->sect], key, v, 0);
	}
}

/* migrate_h_user - User; unset, clamav-milter kept the user that started it */
static void
migrate_h_user(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	if (e->value[0] == '\0')
		migrate_drop(m, e, "clamav-milter kept the user that started it (root); clamshim "
			     "becomes user \"clamav\", its default: give it a user, or user = \"\"");
	else
		migrate_h_text(m, r, e);
}

/* migrate_h_socket - MilterSocket: [[unix|local]:]/path, inet:port@host, inet6:... */
static void
migrate_h_socket(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	char	v[MIGRATE_LINE_MAX + 8];

	snprintf(v, sizeof(v), "%s%s", e->value[0] == '/' ? "unix:" : "", e->value);
	(void) migrate_set_checked(m, e, r->sect, "root", r->key, v, 0);
}

/* migrate_h_mode - MilterSocketMode: octal; clamshim refuses a mode others may write */
static void
migrate_h_mode(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	const struct conf_row *cr = conf_table_find(conf_table_section("root"), r->key);
	char	v[16], err[CONF_TEXT_MAX];
	size_t	n = strlen(e->value);

	if (n == 0 || n > 4 || strspn(e->value, "01234567") != n) {
		migrate_drop(m, e, "not an octal mode");
		return;
	}
	snprintf(v, sizeof(v), "%s%.4s", e->value[0] == '0' && n == 4 ? "" : "0", e->value);
	if (cr != NULL && conf_type_parse(cr, v, NULL, err, sizeof(err)) < 0) {
		migrate_put(m, e, r->sect, r->key, "\"0660\"", 0);
		migrate_drop(m, e, "clamshim's socket_mode %s; written as \"0660\": "
			     "put the MTA's user in socket_group", err);
		return;
	}
	(void) migrate_set_checked(m, e, r->sect, "root", r->key, v, 0);
}

/* migrate_h_clamd - ClamdSocket unix:PATH or tcp:HOST[:PORT] (port 3310 by default) */
static void
migrate_h_clamd(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	char	v[MIGRATE_LINE_MAX + 8];
	const char *hp = e->value + 4, *colon;

	if (strncmp(e->value, "tcp:", 4) == 0) {
		colon = hp[0] == '[' ? strstr(hp, "]:") : strrchr(hp, ':');
		if (hp[0] != '[' && strchr(hp, ':') != strrchr(hp, ':'))
			snprintf(v, sizeof(v), "tcp:[%s]:3310", hp);	/* bare IPv6 */
		else
			snprintf(v, sizeof(v), "%s%s", e->value, colon ? "" : ":3310");
	} else
		snprintf(v, sizeof(v), "%s", e->value);
	(void) migrate_set_checked(m, e, r->sect, "clamd", r->key, v, 0);
}

/* migrate_h_facility - LogFacility LOG_LOCAL6 -> "local6" */
static void
migrate_h_facility(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	char	v[32];
	size_t	i;
	const char *f = strncasecmp(e->value, "LOG_", 4) == 0 ? e->value + 4 : e->value;

	for (i = 0; f[i] && i + 1 < sizeof(v); i++)
		v[i] = (char) tolower((unsigned char) f[i]);
	v[i] = '\0';
	(void) migrate_set_checked(m, e, r->sect, "root", r->key, v, 0);
}

/* migrate_h_verbose - LogVerbose yes: log_level debug */
static void
migrate_h_verbose(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	int	b = migrate_bool(e->value);

	if (b < 0)
		migrate_drop(m, e, "not a boolean");
	else if (b)
		(void) migrate_set_checked(m, e, r->sect, "root", r->key, "debug", 0);
	else
		migrate_same(m, e, "clamshim logs at info by default");
}

/* migrate_h_bool_same - a boolean clamshim always behaves as r->key's first word ("yes"/"no") says */
static void
migrate_h_bool_same(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	int	b = migrate_bool(e->value), want = strncmp(r->key, "yes", 3) == 0;
	const char *why = strchr(r->key, ':') + 2;

	if (b < 0)
		migrate_drop(m, e, "not a boolean");
	else if (b == want)
		migrate_same(m, e, why);
	else
		migrate_drop(m, e, "%s", why);
}

/* migrate_action - a clamav-milter action to clamshim's; NULL when it has none */
static const char *
migrate_action(const char *v, int infected)
{
	static const struct {
		const char *old, *inf, *fail;
	} map[] = {
		{"Accept", "tag", "accept"}, {"Reject", "reject", "reject"},
		{"Defer", NULL, "tempfail"}, {"Blackhole", "discard", NULL},
		{"Quarantine", "quarantine", NULL},
	};
	size_t	i;

	for (i = 0; i < NROWS(map); i++)
		if (strcasecmp(v, map[i].old) == 0)
			return infected ? map[i].inf : map[i].fail;
	return NULL;
}

/* migrate_h_action - OnInfected, OnFail (r->key: on_infected, on_unavailable) */
static void
migrate_h_action(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	const char *a = migrate_action(e->value, strcmp(r->key, "on_infected") == 0);

	if (a == NULL)
		migrate_drop(m, e, "clamshim's %s has no such action; its default is kept", r->key);
	else
		(void) migrate_set_checked(m, e, r->sect, "policy", r->key, a, 0);
}

/* migrate_h_onclean - OnClean: only Accept has an equivalent */
static void
migrate_h_onclean(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	(void) r;
	if (strcasecmp(e->value, "Accept") == 0)
		migrate_same(m, e, "clamshim accepts clean mail");
	else
		migrate_drop(m, e, "clamshim always accepts clean mail");
}

/* migrate_h_addheader - AddHeader Replace|Yes|Add|No */
static void
migrate_h_addheader(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	int	b = migrate_bool(e->value), replace = strcasecmp(e->value, "Replace") == 0;

	if (replace || b == 1 || strcasecmp(e->value, "Add") == 0) {
		(void) migrate_set_checked(m, e, r->sect, "headers", "add", "true", 1);
		(void) migrate_set_checked(m, e, r->sect, "headers", "strip_incoming",
					   replace || b == 1 ? "true" : "false", 1);
	} else if (b == 0)
		(void) migrate_set_checked(m, e, r->sect, "headers", "add", "false", 1);
	else
		migrate_drop(m, e, "not Replace, Yes, Add or No");
}

/* migrate_h_logwhat - LogInfected, LogClean: Full adds the addresses (r->key: the value) */
static void
migrate_h_logwhat(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	if (strcasecmp(e->value, "Full") == 0)
		(void) migrate_set_checked(m, e, MS_LOG, "root", "log_addresses", r->key, 0);
	else if (strcasecmp(e->value, "Off") == 0 || strcasecmp(e->value, "Basic") == 0)
		migrate_same(m, e, "clamshim logs one line for every message");
	else
		migrate_drop(m, e, "not Off, Basic or Full");
}

/* migrate_h_virusaction - VirusAction: alert.virus_command takes the details otherwise */
static void
migrate_h_virusaction(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	(void) r;
	migrate_drop(m, e, "alert.virus_command gets the details in its environment "
		     "(CLAMSHIM_VIRUS, CLAMSHIM_QUEUE_ID, CLAMSHIM_SENDER, CLAMSHIM_RECIPIENTS), "
		     "not as arguments, and no subject, message id or date: adapt the program "
		     "and set alert { virus_command = \"...\" }");
}

/* migrate_h_exceeds - AlertExceedsMax: remembered for the note on clamd */
static void
migrate_h_exceeds(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	(void) r;
	m->exceeds_max = migrate_bool(e->value) == 1;
	migrate_same(m, e, "the embedded engine always reports limits");
}

/* ---- the table ---- */

/* Rows: a clamav-milter.conf option (M), a clamd.conf option (C), setters and the rest. */
#define M(n, fn, s, k)		{MK_MILTER, (n), migrate_h_##fn, (s), (k), 0, NULL}
#define C(n, fn, s, k)		{MK_CLAMD, (n), migrate_h_##fn, (s), (k), 0, NULL}
#define EMB(n, fn, k)		C(n, fn, MS_EMBEDDED, k)
#define CSAME(n, why)		C(n, same, 0, why)
/* A setting of the clamd daemon: no meaning for clamshim. */
#define DAEMON(n)		CSAME(n, "a setting of the clamd daemon, not of scanning: nothing for clamshim")
#define LOGFILE_SAME		"goes with LogFile: syslog time-stamps, rotates and bounds its files"

static const struct migrate_row migrate_rows[] = {
	/* clamav-milter.conf(5), in its order */
	M("Example", same, 0, "the sample's marker: nothing to carry"),
	M("MilterSocket", socket, MS_TOP, "socket"),
	M("MilterSocketGroup", text, MS_TOP, "socket_group"),
	M("MilterSocketMode", mode, MS_TOP, "socket_mode"),
	M("FixStaleSocket", bool_same, 0, "yes: clamshim always removes a stale socket at start"),
	{MK_MILTER, "User", migrate_h_user, MS_TOP, "user", 0, ""},
	{MK_MILTER, "ReadTimeout", migrate_h_time, MS_CLAMD, "s:scan_timeout", 0, "120"},
	M("Foreground", same, 0, "clamshim's -f option (its systemd unit uses it)"),
	M("Chroot", drop, 0, "clamshim does not chroot itself: use systemd's RootDirectory= "
	  "or its sandboxing (doc/hardening.md)"),
	M("PidFile", text, MS_TOP, "pid_file"),
	M("TemporaryDirectory", text, MS_TOP, "spool_dir"),
	{MK_MILTER, "ClamdSocket", migrate_h_clamd, MS_CLAMD, "servers", 1, NULL},
	{MK_MILTER, "LocalNet", migrate_h_localnet, MS_LOCALNET, NULL, 1, NULL},
	{MK_MILTER, "AllowList", migrate_h_allow, 0, NULL, 1, NULL},
	{MK_MILTER, "SkipAuthenticated", migrate_h_skipauth, 0, NULL, 0, NULL},
	{MK_MILTER, "MaxFileSize", migrate_h_size, MS_POLICY, "max_size", 0, "100M"},
	M("OnClean", onclean, 0, NULL),
	{MK_MILTER, "OnInfected", migrate_h_action, MS_POLICY, "on_infected", 0, "Quarantine"},
	M("OnFail", action, MS_POLICY, "on_unavailable"),
	M("RejectMsg", text, MS_POLICY, "reject_message"),
	{MK_MILTER, "AddHeader", migrate_h_addheader, MS_HEADERS, NULL, 0, "No"},
	M("ReportHostname", text, MS_HEADERS, "hostname"),
	M("VirusAction", virusaction, 0, NULL),
	M("LogFile", drop, 0, "clamshim logs to syslog (and to stderr with -f): "
	  "send its lines to a file with syslog's rules"),
	M("LogFileUnlock", same, 0, LOGFILE_SAME),
	M("LogFileMaxSize", same, 0, LOGFILE_SAME),
	M("LogTime", same, 0, LOGFILE_SAME),
	M("LogRotate", same, 0, LOGFILE_SAME),
	M("LogSyslog", bool_same, 0, "yes: clamshim always logs to syslog"),
	M("LogFacility", facility, MS_TOP, "syslog_facility"),
	M("LogVerbose", verbose, MS_TOP, "log_level"),
	M("LogInfected", logwhat, 0, "infected"),
	M("LogClean", logwhat, 0, "all"),
	M("SupportMultipleRecipients", same, 0, "clamshim logs one line per message "
	  "(log_addresses lists every recipient) and runs virus_command once per message"),

	/* clamd.conf(5): what scans, into embedded {} */
	EMB("DatabaseDirectory", text, "database"),
	EMB("SelfCheck", time, "s:reload_check"),
	EMB("OfficialDatabaseOnly", bool, "official_database_only"),
	EMB("DetectPUA", bool, "detect_pua"),
	{MK_CLAMD, "ExcludePUA", migrate_h_text, MS_EMBEDDED, "exclude_pua", 1, NULL},
	{MK_CLAMD, "IncludePUA", migrate_h_text, MS_EMBEDDED, "include_pua", 1, NULL},
	EMB("HeuristicAlerts", bool, "heuristic_alerts"),
	EMB("AlgorithmicDetection", bool, "heuristic_alerts"),		/* its old name */
	EMB("HeuristicScanPrecedence", bool, "heuristic_scan_precedence"),
	EMB("AlertBrokenExecutables", bool, "alert_broken_executables"),
	EMB("DetectBrokenExecutables", bool, "alert_broken_executables"),
	EMB("AlertBrokenMedia", bool, "alert_broken_media"),
	EMB("AlertEncrypted", bool, "alert_encrypted"),
	EMB("ArchiveBlockEncrypted", bool, "alert_encrypted"),
	EMB("AlertEncryptedArchive", bool, "alert_encrypted_archive"),
	EMB("AlertEncryptedDoc", bool, "alert_encrypted_doc"),
	EMB("AlertOLE2Macros", bool, "alert_ole2_macros"),
	EMB("OLE2BlockMacros", bool, "alert_ole2_macros"),
	EMB("AlertPhishingSSLMismatch", bool, "alert_phishing_ssl_mismatch"),
	EMB("PhishingAlwaysBlockSSLMismatch", bool, "alert_phishing_ssl_mismatch"),
	EMB("AlertPhishingCloak", bool, "alert_phishing_cloak"),
	EMB("PhishingAlwaysBlockCloak", bool, "alert_phishing_cloak"),
	EMB("AlertPartitionIntersection", bool, "alert_partition_intersection"),
	EMB("PartitionIntersection", bool, "alert_partition_intersection"),
	EMB("PhishingSignatures", bool, "phishing_signatures"),
	EMB("PhishingScanURLs", bool, "phishing_scan_urls"),
	EMB("ScanPE", bool, "scan_pe"),
	EMB("ScanELF", bool, "scan_elf"),
	EMB("ScanOLE2", bool, "scan_ole2"),
	EMB("ScanPDF", bool, "scan_pdf"),
	EMB("ScanSWF", bool, "scan_swf"),
	EMB("ScanXMLDOCS", bool, "scan_xmldocs"),
	EMB("ScanHWP3", bool, "scan_hwp3"),
	EMB("ScanOneNote", bool, "scan_onenote"),
	EMB("ScanHTML", bool, "scan_html"),
	EMB("ScanArchive", bool, "scan_archive"),
	EMB("ScanImage", bool, "scan_image"),
	EMB("ScanImageFuzzyHash", bool, "scan_image_fuzzy_hash"),
	EMB("Bytecode", bool, "bytecode"),
	EMB("BytecodeSecurity", text, "bytecode_security"),
	EMB("BytecodeTimeout", time, "ms:bytecode_timeout"),
	EMB("BytecodeUnsigned", bool, "bytecode_unsigned"),
	EMB("MaxEmbeddedPE", size, "max_embedded_pe"),
	EMB("MaxHTMLNormalize", size, "max_html_normalize"),
	EMB("MaxHTMLNoTags", size, "max_html_no_tags"),
	EMB("MaxScriptNormalize", size, "max_script_normalize"),
	EMB("MaxZipTypeRcg", size, "max_zip_type_rcg"),
	EMB("MaxPartitions", count, "max_partitions"),
	EMB("MaxIconsPE", count, "max_icons_pe"),
	EMB("MaxRecHWP3", count, "max_rec_hwp3"),
	EMB("PCREMatchLimit", count, "pcre_match_limit"),
	EMB("PCRERecMatchLimit", count, "pcre_rec_match_limit"),
	EMB("PCREMaxFileSize", size, "pcre_max_file_size"),
	EMB("StructuredDataDetection", bool, "structured_data_detection"),
	EMB("StructuredMinCreditCardCount", count, "structured_min_credit_card_count"),
	EMB("StructuredMinSSNCount", count, "structured_min_ssn_count"),
	EMB("StructuredSSNFormatNormal", bool, "structured_ssn_format_normal"),
	EMB("StructuredSSNFormatStripped", bool, "structured_ssn_format_stripped"),
	EMB("StructuredCCOnly", bool, "structured_cc_only"),
	/* the limits, where clamd's defaults differ from clamshim's */
	{MK_CLAMD, "MaxScanTime", migrate_h_time, MS_EMBEDDED, "ms:max_scan_time", 0, "120000"},
	{MK_CLAMD, "MaxScanSize", migrate_h_size, MS_EMBEDDED, "max_scan_size", 0, "400M"},
	{MK_CLAMD, "MaxFileSize", migrate_h_size, MS_EMBEDDED, "max_file_size", 0, "100M"},
	{MK_CLAMD, "MaxRecursion", migrate_h_count, MS_EMBEDDED, "max_recursion", 0, "17"},
	EMB("MaxFiles", count, "max_files"),
	{MK_CLAMD, "StreamMaxLength", migrate_h_size, MS_CLAMD, "stream_max", 0, "100M"},
	C("AlertExceedsMax", exceeds, 0, NULL),
	C("ScanMail", bool_same, 0, "yes: clamshim always scans mail as mail"),
	C("ScanPartialMessages", bool_same, 0, "no: clamshim does not join message/partial pieces"),
	C("DisableCache", bool_same, 0, "no: the embedded engine's clean cache is always on"),
	C("VirusEvent", drop, 0, "alert.virus_command runs once per infected message, "
	  "with the details in its environment: adapt the command and set it"),
	CSAME("ExtendedDetectionInfo", "clamshim logs the signature name"),
	CSAME("AllowAllMatchScan", "only for clamdscan --allmatch: nothing for mail"),
	CSAME("ForceToDisk", "clamshim keeps small messages in memory, spills big ones (memory_limit)"),
	CSAME("LeaveTemporaryFiles", "a debugging setting of clamd"),
	CSAME("DisableCertCheck", "a setting of clamd's signature checks (Authenticode)"),
	CSAME("Debug", "a debugging setting of clamd"),
	CSAME("ExitOnOOM", "clamshim stops on out of memory; systemd restarts it"),
	DAEMON("LocalSocket"), DAEMON("LocalSocketGroup"), DAEMON("LocalSocketMode"),
	DAEMON("TCPSocket"), DAEMON("TCPAddr"), DAEMON("FixStaleSocket"), DAEMON("User"),
	DAEMON("Foreground"), DAEMON("PidFile"), DAEMON("TemporaryDirectory"),
	DAEMON("ReadTimeout"), DAEMON("CommandReadTimeout"), DAEMON("SendBufTimeout"),
	DAEMON("IdleTimeout"), DAEMON("MaxQueue"), DAEMON("MaxThreads"),
	DAEMON("MaxConnectionQueueLength"), DAEMON("ConcurrentDatabaseReload"),
	DAEMON("LogFile"), DAEMON("LogFileUnlock"), DAEMON("LogFileMaxSize"), DAEMON("LogTime"),
	DAEMON("LogClean"), DAEMON("LogSyslog"), DAEMON("LogFacility"), DAEMON("LogVerbose"),
	DAEMON("LogRotate"), DAEMON("PreludeEnable"), DAEMON("PreludeAnalyzerName"),
	DAEMON("MaxDirectoryRecursion"), DAEMON("FollowDirectorySymlinks"),
	DAEMON("FollowFileSymlinks"), DAEMON("CrossFilesystems"), DAEMON("ExcludePath"),
	DAEMON("OnAccessMaxFileSize"), DAEMON("OnAccessIncludePath"), DAEMON("OnAccessExcludePath"),
	DAEMON("OnAccessMountPath"), DAEMON("OnAccessExcludeUname"), DAEMON("OnAccessExcludeUID"),
	DAEMON("OnAccessExcludeRootUID"), DAEMON("OnAccessPrevention"), DAEMON("OnAccessDisableDDD"),
	DAEMON("OnAccessMaxThreads"), DAEMON("OnAccessCurlTimeout"), DAEMON("OnAccessRetryAttempts"),
	DAEMON("OnAccessDenyOnError"), DAEMON("OnAccessExtraScanning"),
	DAEMON("GenerateMetadataJson"), DAEMON("JsonStoreHTMLURIs"), DAEMON("JsonStorePDFURIs"),
	DAEMON("JsonStoreExtraHashes"), DAEMON("CacheSize"), DAEMON("FIPSCryptoHashLimits"),
};

/* migrate_row_at - row i (i < migrate_row_count()) */
const struct migrate_row *
migrate_row_at(size_t i)
{
	return &migrate_rows[i];
}

/* migrate_row_count - the number of rows */
size_t
migrate_row_count(void)
{
	return NROWS(migrate_rows);
}

/* migrate_row_find - the row of name for files of kind; NULL if none */
const struct migrate_row *
migrate_row_find(int kind, const char *name)
{
	size_t	i;

	for (i = 0; i < NROWS(migrate_rows); i++)
		if (migrate_rows[i].kind == kind && strcmp(migrate_rows[i].name, name) == 0)
			return &migrate_rows[i];
	return NULL;
}
