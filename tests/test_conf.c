/*
 * NAME
 *	test_conf - table-driven tests of conf(3)
 * SUMMARY
 *	tests/test_conf	(top_srcdir in the environment, as make check sets it)
 * DESCRIPTION
 *	Built-in defaults; a file setting every option read back; the units
 *	(good and bad durations and sizes, overflow, sign, empty, garbage,
 *	fractions); unknown options and sections in tolerant mode (loaded,
 *	warned with file and line, counted, the rest honoured) and in strict
 *	mode (-1, every one an error with its line); deprecated options
 *	(warning with the reason, ignored, in both modes); bad values of each
 *	enumeration and of the server specs; syntax errors with their line;
 *	lines staying right after comments; the log used when there is no
 *	report function; reference counting; the option list; the option
 *	table (each row complete, its default passing its own check, and
 *	every default written in a file giving the defaults); and the docs:
 *	every option must appear in man/clamshim.conf.5 and in
 *	contrib/clamshim.conf, and the sample must load in strict mode with
 *	no warning and give exactly the defaults.
 *	Each failing row is named in the output.
 */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_table.h"
#include "log.h"

#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))
#define SEEN_MAX	64
#define X10		"xxxxxxxxxx"

/* ---- fixtures: a temp dir and a report collector ---- */

static char tmpdir[512];
static unsigned nfiles;

struct seen {
	enum conf_severity sev;
	char	file[512];
	int	line;
	char	text[512];
};

struct rec {
	struct seen s[SEEN_MAX];
	size_t	n;
	unsigned errors, warnings;
};

/* collect - the conf_report_fn of the tests */
static void
collect(void *ctx, enum conf_severity sev, const char *file, int line, const char *text)
{
	struct rec *r = ctx;

	if (sev == CONF_ERROR)
		r->errors++;
	else
		r->warnings++;
	if (r->n < SEEN_MAX) {
		r->s[r->n].sev = sev;
		snprintf(r->s[r->n].file, sizeof(r->s[r->n].file), "%s", file ? file : "");
		r->s[r->n].line = line;
		snprintf(r->s[r->n].text, sizeof(r->s[r->n].text), "%s", text);
		r->n++;
	}
}

/* find - the problem of this severity at line whose text has needle, or NULL */
static const struct seen *
find(const struct rec *r, enum conf_severity sev, int line, const char *needle)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		if (r->s[i].sev == sev && r->s[i].line == line && strstr(r->s[i].text, needle))
			return &r->s[i];
	return NULL;
}

/* dump - print what was reported, to explain a failure */
static void
dump(const char *what, const struct rec *r)
{
	size_t	i;

	print_message("%s: %u errors, %u warnings\n", what, r->errors, r->warnings);
	for (i = 0; i < r->n; i++)
		print_message("  %s:%d: %s: %s\n", r->s[i].file, r->s[i].line,
			      r->s[i].sev == CONF_ERROR ? "error" : "warning", r->s[i].text);
}

/* write_conf - a new file in tmpdir with this text; returns its path (static slot) */
static const char *
write_conf(const char *text)
{
	static char path[600];
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/c%u.conf", tmpdir, nfiles++);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* setup - make the temp dir */
static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return -1;
	}
	log_set_stderr_only(1);
	return 0;
}

/* teardown - remove the files and the temp dir */
static int
teardown(void **state)
{
	char	path[600];
	unsigned i;

	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/c%u.conf", tmpdir, i);
		(void) unlink(path);
	}
	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	(void) unlink(path);
	return rmdir(tmpdir);
}

/* load - conf_load of text in mode, collecting the problems */
static int
load(const char *text, int mode, struct rec *r, struct conf **c)
{
	memset(r, 0, sizeof(*r));
	*c = NULL;
	return conf_load(write_conf(text), mode, collect, r, c);
}

/* ---- defaults ---- */

/* check_defaults - every field of c is the built-in default of DESIGN.md */
static void
check_defaults(const struct conf *c)
{
	long	cpus = sysconf(_SC_NPROCESSORS_ONLN);

	assert_string_equal(c->socket, "unix:/run/clamshim/clamshim.sock");
	assert_string_equal(c->user, "clamav");
	assert_string_equal(c->socket_group, "");
	assert_int_equal(c->socket_mode, 0660);
	assert_string_equal(c->pid_file, "/run/clamshim/clamshim.pid");
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	assert_int_equal(c->syslog_facility, log_facility_from_name("mail"));
	assert_int_equal(c->nscanners, 1);
	assert_int_equal(c->scanners[0], CONF_SCANNER_EMBEDDED);
	assert_int_equal(c->max_scans, cpus > 0 ? (unsigned) cpus : 1);
	assert_int_equal(c->memory_limit, 1024 * 1024);
	assert_string_equal(c->spool_dir, "/var/tmp");

	assert_string_equal(c->embedded.database, "/var/lib/clamav");
	assert_int_equal(c->embedded.reload_check_ms, 60000);
	assert_int_equal(c->embedded.max_db_age_ms, 48 * 3600 * 1000LL);
	assert_int_equal(c->embedded.max_scan_time_ms, 30000);
	assert_int_equal(c->embedded.max_file_size, 25 * 1024 * 1024);
	assert_int_equal(c->embedded.max_scan_size, 100 * 1024 * 1024);
	assert_int_equal(c->embedded.max_recursion, 16);
	assert_int_equal(c->embedded.max_files, 10000);
	assert_int_equal(c->embedded.cache, 1);
	assert_string_equal(c->embedded.reload_mode, "concurrent");

	/* DESIGN.md's example adds tcp:10.0.0.5:3310; a default never names a remote host */
	assert_int_equal(c->clamd.nservers, 1);
	assert_string_equal(c->clamd.servers[0], "unix:/run/clamav/clamd.ctl");
	assert_int_equal(c->clamd.connect_timeout_ms, 2000);
	assert_int_equal(c->clamd.scan_timeout_ms, 60000);
	assert_int_equal(c->clamd.retry_after_ms, 10000);
	assert_int_equal(c->clamd.stream_max, 25 * 1024 * 1024);
	assert_int_equal(c->clamd.nlimits_unreported_ok, 0);	/* every OK must be proven */

	assert_int_equal(c->policy.on_infected, POLICY_REJECT);
	assert_int_equal(c->policy.on_unavailable, POLICY_TEMPFAIL);
	assert_int_equal(c->hold.mta, CONF_MTA_POSTFIX);
	assert_int_equal(c->hold.max_messages, 10000);
	assert_int_equal(c->hold.max_age_ms, 4LL * 86400 * 1000);
	assert_string_equal(c->hold.dir, "/var/lib/clamshim/held");
	assert_int_equal(c->policy.fail_open_after_ms, 0);
	assert_int_equal(c->policy.on_limit, POLICY_ACCEPT);
	/* per kind: unset (on_limit decides), except nesting: reject */
	assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_UNKNOWN].set, 0);
	assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_SIZE].set, 0);
	assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_FILES].set, 0);
	assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_TIME].set, 0);
	assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_NESTING].set, 1);
	assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_NESTING].action, POLICY_REJECT);
	assert_int_equal(c->policy.on_error, POLICY_TEMPFAIL);
	assert_int_equal(c->policy.on_ambiguous, POLICY_TAG);
	assert_int_equal(c->policy.max_size, 50 * 1024 * 1024);
	assert_string_equal(c->policy.reject_message, "Virus found: %v");
	assert_string_equal(c->policy.tempfail_message, "Virus scanner unavailable, try again later");
	assert_int_equal(c->policy.skip_authenticated, 0);

	assert_int_equal(c->headers.add, 1);
	assert_int_equal(c->headers.strip_incoming, 1);
	assert_string_equal(c->headers.hostname, "");
	assert_int_equal(c->log_addresses, CONF_LOG_ADDRESSES_INFECTED);
	assert_string_equal(c->alert.command, "");
	assert_int_equal(c->alert.min_interval_ms, 5 * 60000);
	assert_string_equal(c->alert.virus_command, "");
	assert_int_equal(c->alert.virus_max_running, 4);
	assert_string_equal(c->status.file, "/run/clamshim/metrics.prom");
	assert_int_equal(c->status.interval_ms, 10000);
	assert_int_equal(c->warnings, 0);
}

/* test_defaults - no file, an empty file and a comment-only file give the defaults */
static void
test_defaults(void **state)
{
	static const char *const texts[] = {"", "# nothing\n", "\n\n/* x */ // y\n"};
	struct conf *c = NULL;
	struct rec r;
	size_t	i;

	memset(&r, 0, sizeof(r));
	assert_int_equal(conf_load(NULL, CONF_STRICT, collect, &r, &c), 0);
	assert_non_null(c);
	assert_null(c->file);
	assert_int_equal(r.n, 0);
	check_defaults(c);
	conf_unref(c);

	for (i = 0; i < NROWS(texts); i++) {
		if (load(texts[i], CONF_STRICT, &r, &c) != 0 || r.n != 0)
			dump(texts[i], &r);
		assert_non_null(c);
		assert_int_equal(r.n, 0);
		assert_non_null(c->file);
		check_defaults(c);
		conf_unref(c);
	}
}

/* ---- a file setting every option ---- */

static const char good_conf[] =
	"# every option, none at its default\n"
	"socket = \"inet:8890@127.0.0.1\"\n"
	"socket_group = \"postfix\"\n"
	"socket_mode = \"0620\"\n"
	"user = \"nobody\"\n"
	"pid_file = \"\"\n"
	"log_level = \"debug\"\n"
	"syslog_facility = \"local3\"\n"
	"scanners = {\"clamd\", \"embedded\"}\n"
	"max_scans = 7\n"
	"memory_limit = \"512K\"\n"
	"spool_dir = \"/tmp/spool\"\n"
	"log_addresses = \"all\"\n"
	"embedded {\n"
	"  database = \"/srv/db\"\n"
	"  reload_check = \"0\"\n"
	"  max_db_age = \"1d\"\n"
	"  max_scan_time = \"1500ms\"\n"
	"  max_file_size = \"1G\"   max_scan_size = \"2G\"\n"
	"  max_recursion = 8\n"
	"  max_files = 500\n"
	"  cache = false\n"
	"  reload_mode = \"sequential\"\n"
	"  detect_pua = true\n"
	"  exclude_pua = {\"Packed\", \"NetTool\"}\n"
	"  include_pua = {}\n"		/* with exclude_pua: a warning (test_pua_lists) */
	"  heuristic_alerts = false\n"
	"  heuristic_scan_precedence = true\n"
	"  alert_broken_executables = true\n"
	"  alert_broken_media = true\n"
	"  alert_encrypted = true\n"
	"  alert_encrypted_archive = true\n"
	"  alert_encrypted_doc = true\n"
	"  alert_ole2_macros = true\n"
	"  alert_phishing_ssl_mismatch = true\n"
	"  alert_phishing_cloak = true\n"
	"  alert_partition_intersection = true\n"
	"  phishing_signatures = false\n"
	"  phishing_scan_urls = false\n"
	"  scan_pe = false\n"
	"  scan_elf = false\n"
	"  scan_ole2 = false\n"
	"  scan_pdf = false\n"
	"  scan_swf = false\n"
	"  scan_xmldocs = false\n"
	"  scan_hwp3 = false\n"
	"  scan_onenote = false\n"
	"  scan_html = false\n"
	"  scan_archive = false\n"
	"  scan_image = false\n"
	"  scan_image_fuzzy_hash = false\n"
	"  bytecode = false\n"
	"  bytecode_security = \"Paranoid\"\n"
	"  bytecode_timeout = \"2500ms\"\n"
	"  bytecode_unsigned = true\n"
	"  official_database_only = true\n"
	"  max_embedded_pe = \"3M\"\n"
	"  max_html_normalize = \"3M\"\n"
	"  max_html_no_tags = \"3M\"\n"
	"  max_script_normalize = \"3M\"\n"
	"  max_zip_type_rcg = \"3M\"\n"
	"  max_partitions = 7\n"
	"  max_icons_pe = 7\n"
	"  max_rec_hwp3 = 7\n"
	"  pcre_match_limit = 7\n"
	"  pcre_rec_match_limit = 7\n"
	"  pcre_max_file_size = \"3M\"\n"
	"  structured_data_detection = true\n"
	"  structured_min_credit_card_count = 7\n"
	"  structured_min_ssn_count = 7\n"
	"  structured_ssn_format_normal = false\n"
	"  structured_ssn_format_stripped = true\n"
	"  structured_cc_only = true\n"
	"}\n"
	"clamd {\n"
	"  servers = {\"unix:/run/clamd.sock\", \"tcp:127.0.0.1:3310\",\n"
	"             \"tcp:[::1]:3311\", \"tcp:clamd.example:3312\"}\n"
	"  connect_timeout = \"250ms\"\n"
	"  scan_timeout = \"2m\"\n"
	"  retry_after = \"0\"\n"
	"  stream_max = \"10M\"\n"
	"  limits_unreported_ok = {\"tcp:127.0.0.1:3310\"}\n"
	"}\n"
	"policy {\n"
	"  on_infected = \"quarantine\"\n"
	"  on_unavailable = \"accept\"\n"
	"  fail_open_after = \"2h\"\n"
	"  on_limit = \"reject\"\n"
	"  on_limit_size = \"accept\"\n"
	"  on_limit_files = \"tempfail\"\n"
	"  on_limit_time = \"\"\n"
	"  on_limit_nesting = \"tempfail\"\n"
	"  on_error = \"quarantine\"\n"
	"  on_ambiguous = \"reject\"\n"
	"  max_size = \"0\"\n"
	"  reject_message = \"Rejected: %v\"\n"
	"  tempfail_message = 'Try later'\n"
	"  skip_authenticated = true\n"
	"}\n"
	"headers { add = false  strip_incoming = no  hostname = \"mx1.example.org\" }\n"
	"alert {\n"
	"  command = \"/usr/local/bin/page-me --now\"\n"
	"  min_interval = \"0\"\n"
	"  virus_command = \"/usr/local/bin/virus-notice\"\n"
	"  virus_max_running = 9\n"
	"}\n"
	"status {\n"
	"  file = \"\"\n"
	"  interval = \"1m\"\n"
	"}\n"
	"hold {\n"
	"  mta = \"sendmail\"\n"
	"  max_messages = 5\n"
	"  max_age = \"2h\"\n"
	"  dir = \"/srv/held\"\n"
	"}\n";

/* test_good_file - every option set, read back, in both modes */
static void
test_good_file(void **state)
{
	static const int modes[] = {CONF_TOLERANT, CONF_STRICT};
	struct conf *c;
	struct rec r;
	size_t	i;

	/* the file really sets every option of the table */
	for (i = 0; i < conf_option_count(); i++) {
		const char *name = conf_option_name(i), *leaf = strchr(name, '.');
		char	pat[80];

		snprintf(pat, sizeof(pat), "%s = ", leaf ? leaf + 1 : name);
		if (strstr(good_conf, pat) == NULL)
			fail_msg("good_conf does not set %s", name);
	}
	for (i = 0; i < NROWS(modes); i++) {
		if (load(good_conf, modes[i], &r, &c) != 0 || r.n)
			dump("good_conf", &r);
		assert_non_null(c);
		assert_int_equal(r.n, 0);
		assert_int_equal(c->warnings, 0);
		assert_int_equal(c->refcount, 1);
		assert_string_equal(c->socket, "inet:8890@127.0.0.1");
		assert_string_equal(c->socket_group, "postfix");
		assert_int_equal(c->socket_mode, 0620);
		assert_string_equal(c->user, "nobody");
		assert_string_equal(c->pid_file, "");
		assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
		assert_int_equal(c->syslog_facility, log_facility_from_name("local3"));
		assert_int_equal(c->nscanners, 2);
		assert_int_equal(c->scanners[0], CONF_SCANNER_CLAMD);
		assert_int_equal(c->scanners[1], CONF_SCANNER_EMBEDDED);
		assert_int_equal(c->max_scans, 7);
		assert_int_equal(c->memory_limit, 512 * 1024);
		assert_string_equal(c->spool_dir, "/tmp/spool");

		assert_string_equal(c->embedded.database, "/srv/db");
		assert_int_equal(c->embedded.reload_check_ms, 0);
		assert_int_equal(c->embedded.max_db_age_ms, 86400000);
		assert_int_equal(c->embedded.max_scan_time_ms, 1500);
		assert_int_equal(c->embedded.max_file_size, 1024ULL * 1024 * 1024);
		assert_int_equal(c->embedded.max_scan_size, 2048ULL * 1024 * 1024);
		assert_int_equal(c->embedded.max_recursion, 8);
		assert_int_equal(c->embedded.max_files, 500);
		assert_int_equal(c->embedded.detect_pua, 1);
		assert_int_equal(c->embedded.nexclude_pua, 2);
		assert_string_equal(c->embedded.exclude_pua[1], "NetTool");
		assert_int_equal(c->embedded.ninclude_pua, 0);
		assert_int_equal(c->embedded.heuristic_alerts, 0);
		assert_int_equal(c->embedded.alert_encrypted_archive, 1);
		assert_int_equal(c->embedded.scan_archive, 0);
		assert_string_equal(c->embedded.bytecode_security, "Paranoid");
		assert_int_equal(c->embedded.cache, 0);
		assert_string_equal(c->embedded.reload_mode, "sequential");
		assert_int_equal(c->embedded.bytecode_timeout_ms, 2500);
		assert_int_equal(c->embedded.max_embedded_pe, 3 * 1024 * 1024);
		assert_int_equal(c->embedded.pcre_rec_match_limit, 7);
		assert_int_equal(c->embedded.structured_cc_only, 1);

		assert_int_equal(c->clamd.nservers, 4);
		assert_string_equal(c->clamd.servers[0], "unix:/run/clamd.sock");
		assert_string_equal(c->clamd.servers[1], "tcp:127.0.0.1:3310");
		assert_string_equal(c->clamd.servers[2], "tcp:[::1]:3311");
		assert_string_equal(c->clamd.servers[3], "tcp:clamd.example:3312");
		assert_int_equal(c->clamd.connect_timeout_ms, 250);
		assert_int_equal(c->clamd.scan_timeout_ms, 120000);
		assert_int_equal(c->clamd.retry_after_ms, 0);
		assert_int_equal(c->clamd.stream_max, 10 * 1024 * 1024);
		assert_int_equal(c->clamd.nlimits_unreported_ok, 1);
		assert_string_equal(c->clamd.limits_unreported_ok[0], "tcp:127.0.0.1:3310");

		assert_int_equal(c->policy.on_infected, POLICY_QUARANTINE);
		assert_int_equal(c->policy.on_unavailable, POLICY_ACCEPT);
		assert_int_equal(c->policy.fail_open_after_ms, 2 * 3600 * 1000);
		assert_int_equal(c->policy.on_limit, POLICY_REJECT);
		assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_UNKNOWN].set, 0);
		assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_SIZE].set, 1);
		assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_SIZE].action, POLICY_ACCEPT);
		assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_FILES].set, 1);
		assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_FILES].action, POLICY_TEMPFAIL);
		assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_TIME].set, 0);	/* "" */
		assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_NESTING].set, 1);
		assert_int_equal(c->policy.on_limit_kind[SCAN_LIMIT_NESTING].action, POLICY_TEMPFAIL);
		assert_int_equal(c->policy.on_error, POLICY_QUARANTINE);
		assert_int_equal(c->policy.on_ambiguous, POLICY_REJECT);
		assert_int_equal(c->policy.max_size, 0);
		assert_string_equal(c->policy.reject_message, "Rejected: %v");
		assert_string_equal(c->policy.tempfail_message, "Try later");
		assert_int_equal(c->policy.skip_authenticated, 1);

		assert_int_equal(c->headers.add, 0);
		assert_int_equal(c->headers.strip_incoming, 0);
		assert_string_equal(c->headers.hostname, "mx1.example.org");
		assert_int_equal(c->log_addresses, CONF_LOG_ADDRESSES_ALL);
		assert_string_equal(c->alert.command, "/usr/local/bin/page-me --now");
		assert_int_equal(c->alert.min_interval_ms, 0);
		assert_string_equal(c->alert.virus_command, "/usr/local/bin/virus-notice");
		assert_int_equal(c->alert.virus_max_running, 9);
		assert_string_equal(c->status.file, "");
		assert_int_equal(c->status.interval_ms, 60000);
		assert_int_equal(c->hold.mta, CONF_MTA_SENDMAIL);
		assert_int_equal(c->hold.max_messages, 5);
		assert_int_equal(c->hold.max_age_ms, 2 * 3600 * 1000);
		assert_string_equal(c->hold.dir, "/srv/held");
		conf_unref(c);
	}
}

/* ---- units ---- */

struct dur_row {
	const char *in;
	int	ok;
	int64_t	ms;
};

/* test_durations - conf_parse_duration on good and bad input */
static void
test_durations(void **state)
{
	static const struct dur_row rows[] = {
		{"500ms", 1, 500}, {"30s", 1, 30000}, {"5m", 1, 300000},
		{"2h", 1, 7200000}, {"1d", 1, 86400000}, {"0", 1, 0}, {"0s", 1, 0},
		{"000", 1, 0}, {"0ms", 1, 0}, {"1ms", 1, 1}, {"007s", 1, 7000},
		{"9223372036854775807ms", 1, INT64_MAX},
		{"106751991167d", 1, 106751991167LL * 86400000},
		/* overflow */
		{"9223372036854775808ms", 0, 0}, {"106751991168d", 0, 0},
		{"9223372036854776s", 0, 0}, {"99999999999999999999999s", 0, 0},
		/* fractions are refused on purpose: write 1500ms */
		{"1.5s", 0, 0}, {"0.5h", 0, 0}, {".5s", 0, 0},
		/* no unit (only "0" means something alone), unknown units, case */
		{"30", 0, 0}, {"1", 0, 0}, {"1w", 0, 0}, {"1y", 0, 0}, {"30S", 0, 0},
		{"5M", 0, 0}, {"1sec", 0, 0}, {"1ss", 0, 0}, {"1mss", 0, 0},
		/* sign, space, empty, garbage */
		{"-1s", 0, 0}, {"+1s", 0, 0}, {" 1s", 0, 0}, {"1s ", 0, 0}, {"1 s", 0, 0},
		{"", 0, 0}, {"s", 0, 0}, {"ms", 0, 0}, {"abc", 0, 0}, {"1s1s", 0, 0},
		{"0x10s", 0, 0}, {"1e3ms", 0, 0},
	};
	size_t	i;

	for (i = 0; i < NROWS(rows); i++) {
		int64_t	ms = -42;
		int	rc = conf_parse_duration(rows[i].in, &ms);

		if (rc != (rows[i].ok ? 0 : -1))
			fail_msg("duration \"%s\": rc %d, want %s", rows[i].in, rc,
				 rows[i].ok ? "ok" : "refused");
		if (rows[i].ok && ms != rows[i].ms)
			fail_msg("duration \"%s\": %lld ms, want %lld", rows[i].in,
				 (long long) ms, (long long) rows[i].ms);
		if (!rows[i].ok && ms != -42)
			fail_msg("duration \"%s\": refused but wrote the result", rows[i].in);
	}
	assert_int_equal(conf_parse_duration(NULL, NULL), -1);
}

struct size_row {
	const char *in;
	int	ok;
	uint64_t bytes;
};

/* test_sizes - conf_parse_size on good and bad input */
static void
test_sizes(void **state)
{
	static const struct size_row rows[] = {
		{"0", 1, 0}, {"1234", 1, 1234}, {"512K", 1, 524288}, {"512k", 1, 524288},
		{"25M", 1, 26214400}, {"25m", 1, 26214400}, {"1G", 1, 1073741824},
		{"1g", 1, 1073741824}, {"0K", 1, 0},
		{"18446744073709551615", 1, UINT64_MAX},
		{"17179869183G", 1, 17179869183ULL << 30},
		/* overflow */
		{"18446744073709551616", 0, 0}, {"17179869184G", 0, 0},
		{"18014398509481984K", 0, 0}, {"999999999999999999999999", 0, 0},
		/* fractions, units, sign, space, empty, garbage */
		{"1.5M", 0, 0}, {"0.5G", 0, 0}, {"1T", 0, 0}, {"1KB", 0, 0}, {"1MM", 0, 0},
		{"1B", 0, 0}, {"-1", 0, 0}, {"-1M", 0, 0}, {"+1M", 0, 0}, {" 1M", 0, 0},
		{"1M ", 0, 0}, {"1 M", 0, 0}, {"", 0, 0}, {"M", 0, 0}, {"K1", 0, 0},
		{"abc", 0, 0}, {"0x10", 0, 0}, {"1e6", 0, 0},
	};
	size_t	i;

	for (i = 0; i < NROWS(rows); i++) {
		uint64_t n = 4242;
		int	rc = conf_parse_size(rows[i].in, &n);

		if (rc != (rows[i].ok ? 0 : -1))
			fail_msg("size \"%s\": rc %d, want %s", rows[i].in, rc,
				 rows[i].ok ? "ok" : "refused");
		if (rows[i].ok && n != rows[i].bytes)
			fail_msg("size \"%s\": %llu bytes, want %llu", rows[i].in,
				 (unsigned long long) n, (unsigned long long) rows[i].bytes);
		if (!rows[i].ok && n != 4242)
			fail_msg("size \"%s\": refused but wrote the result", rows[i].in);
	}
	assert_int_equal(conf_parse_size(NULL, NULL), -1);
}

/* ---- unknown and deprecated options ---- */

static const char unknown_conf[] =
	"# unknown things among known ones\n"		/* 1 */
	"socket = \"inet:1@127.0.0.1\"\n"		/* 2 */
	"frobnicate = \"yes\"\n"			/* 3: unknown, top level */
	"embedded {\n"					/* 4 */
	"  max_files = 77\n"				/* 5 */
	"  # a comment, and another\n"			/* 6 */
	"  # (libconfuse miscounts lines after these)\n"	/* 7 */
	"  turbo = {\"a\", \"b\"}\n"			/* 8: unknown, in a section */
	"  max_recursion = 9\n"				/* 9: honoured after it */
	"}\n"						/* 10 */
	"future {\n"					/* 11: unknown section */
	"  x = 1\n"					/* 12 */
	"  nested { y = \"}\" }\n"			/* 13 */
	"}\n"						/* 14 */
	"user = \"mail\"\n"				/* 15: honoured after it */
	"headers { add = false  colour = \"red\" }\n";	/* 16: unknown after a known one */

struct expect {
	int	line;
	const char *text;
};

static const struct expect unknown_expect[] = {
	{3, "frobnicate"}, {8, "embedded.turbo"}, {11, "future"}, {16, "headers.colour"},
};

/* test_unknown_tolerant - warned with file and line, counted, the rest honoured */
static void
test_unknown_tolerant(void **state)
{
	const char *path;
	struct conf *c;
	struct rec r;
	size_t	i;

	memset(&r, 0, sizeof(r));
	path = write_conf(unknown_conf);
	if (conf_load(path, CONF_TOLERANT, collect, &r, &c) != 0 || r.n != NROWS(unknown_expect))
		dump("unknown, tolerant", &r);
	assert_non_null(c);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, NROWS(unknown_expect));
	assert_int_equal(c->warnings, NROWS(unknown_expect));
	for (i = 0; i < NROWS(unknown_expect); i++) {
		const struct seen *s = find(&r, CONF_WARNING, unknown_expect[i].line,
					    unknown_expect[i].text);

		if (s == NULL) {
			dump("unknown, tolerant", &r);
			fail_msg("no warning for %s at line %d", unknown_expect[i].text,
				 unknown_expect[i].line);
		}
		assert_string_equal(s->file, path);
		assert_non_null(strstr(s->text, "unknown"));
	}
	assert_string_equal(c->socket, "inet:1@127.0.0.1");
	assert_int_equal(c->embedded.max_files, 77);
	assert_int_equal(c->embedded.max_recursion, 9);
	assert_string_equal(c->user, "mail");
	assert_int_equal(c->headers.add, 0);
	conf_unref(c);
}

/* test_unknown_strict - every unknown option an error with its line; -1 */
static void
test_unknown_strict(void **state)
{
	struct conf *c;
	struct rec r;
	size_t	i;

	if (load(unknown_conf, CONF_STRICT, &r, &c) != -1 || r.errors != NROWS(unknown_expect))
		dump("unknown, strict", &r);
	assert_null(c);
	assert_int_equal(r.errors, NROWS(unknown_expect));
	assert_int_equal(r.warnings, 0);
	for (i = 0; i < NROWS(unknown_expect); i++)
		if (find(&r, CONF_ERROR, unknown_expect[i].line, unknown_expect[i].text) == NULL) {
			dump("unknown, strict", &r);
			fail_msg("no error for %s at line %d", unknown_expect[i].text,
				 unknown_expect[i].line);
		}
	/* a typo gets a hint */
	assert_int_equal(load("embedded {\n max_file = \"1M\"\n}\n", CONF_STRICT, &r, &c), -1);
	assert_non_null(find(&r, CONF_ERROR, 2, "did you mean embedded.max_files"));
	assert_int_equal(load("database = \"/x\"\n", CONF_TOLERANT, &r, &c), 0);
	assert_non_null(find(&r, CONF_WARNING, 1, "did you mean embedded.database"));
	conf_unref(c);
}

/* test_deprecated - warned with the reason and ignored, in both modes */
static void
test_deprecated(void **state)
{
	static const char text[] =
		"max_scans = 3\n"
		"max_threads = 12\n"				/* 2 */
		"clamd {\n"
		"  stream_max = \"5M\"\n"
		"  stream_max_length = \"99M\"\n"		/* 5 */
		"}\n";
	static const struct expect want[] = {
		{2, "max_threads"}, {2, "max_scans"}, {5, "clamd.stream_max_length"},
		{5, "renamed to clamd.stream_max"},
	};
	static const int modes[] = {CONF_TOLERANT, CONF_STRICT};
	struct conf *c;
	struct rec r;
	size_t	i, m;

	for (m = 0; m < NROWS(modes); m++) {
		if (load(text, modes[m], &r, &c) != 0 || r.n != 2)
			dump("deprecated", &r);
		assert_non_null(c);
		assert_int_equal(r.errors, 0);
		assert_int_equal(r.warnings, 2);
		assert_int_equal(c->warnings, 2);
		for (i = 0; i < NROWS(want); i++)
			if (find(&r, CONF_WARNING, want[i].line, want[i].text) == NULL) {
				dump("deprecated", &r);
				fail_msg("no warning at line %d with \"%s\"", want[i].line,
					 want[i].text);
			}
		assert_int_equal(c->max_scans, 3);
		assert_int_equal(c->clamd.stream_max, 5 * 1024 * 1024);
		conf_unref(c);
	}
}

/* ---- bad values and syntax errors ---- */

struct bad_row {
	const char *text;
	int	line;
	const char *needle;		/* in the error text */
};

/* check_bad - each row fails to load, in both modes, with an error at its line */
static void
check_bad(const char *what, const struct bad_row *rows, size_t n)
{
	static const int modes[] = {CONF_TOLERANT, CONF_STRICT};
	size_t	i, m;

	for (i = 0; i < n; i++)
		for (m = 0; m < NROWS(modes); m++) {
			struct conf *c;
			struct rec r;
			int	rc = load(rows[i].text, modes[m], &r, &c);

			if (rc == -1 && c == NULL && r.errors > 0
			    && find(&r, CONF_ERROR, rows[i].line, rows[i].needle))
				continue;
			dump(rows[i].text, &r);
			conf_unref(c);
			fail_msg("%s row %zu (%s): rc %d, want -1 and an error at line %d with \"%s\"",
				 what, i, modes[m] == CONF_STRICT ? "strict" : "tolerant", rc,
				 rows[i].line, rows[i].needle);
		}
}

/* test_bad_values - every enumeration, the server specs, numbers, units */
static void
test_bad_values(void **state)
{
	static const struct bad_row rows[] = {
		{"log_level = \"verbose\"\n", 1, "log_level: \"verbose\" is not a log level"},
		{"socket_mode = \"660\"\n", 1, "socket_mode: \"660\" is not an octal mode"},
		{"socket_mode = \"0689\"\n", 1, "is not an octal mode"},
		{"socket_mode = \"01777\"\n", 1, "is not an octal mode"},
		{"socket_mode = \"0460\"\n", 1, "must let the owner read and write"},
		{"socket_mode = \"0666\"\n", 1, "would let every local user"},
		{"socket_mode = \"0640\"\n", 1, "socket_mode: \"0640\" leaves the socket's group"},
		{"socket_mode = \"0600\"\n", 1, "unable to connect: connecting needs write permission"},
		{"socket_mode = \"0700\"\n", 1, "leaves the socket's group (socket_group) unable"},
		{"socket_mode = \"0644\"\n", 1, "leaves the socket's group"},
		{"socket_mode = \"0740\"\n", 1, "leaves the socket's group"},
		{"socket_mode = \"0\\n6\"\n", 1, "socket_mode: \"0?6\" is not an octal mode"},
		{"\nlog_level = \"\"\n", 2, "log_level"},
		{"syslog_facility = \"kern\"\n", 1, "syslog_facility: \"kern\" is not a syslog"},
		{"scanners = {\"embedded\", \"sophos\"}\n", 1, "\"sophos\" is not a scanner"},
		{"scanners = {\"embedded\", \"embedded\"}\n", 1, "embedded is listed twice"},
		{"scanners = {}\n", 1, "at least one scanner"},
		{"scanners = {\"clamd\"}\nclamd {\n servers = {}\n}\n", 3, "clamd.servers is empty"},
		{"policy {\n on_infected = \"accept\"\n}\n", 2, "policy.on_infected: \"accept\" is not allowed"},
		{"policy {\n on_infected = \"tempfail\"\n}\n", 2, "reject, discard, quarantine or tag"},
		{"policy {\n on_infected = \"maybe\"\n}\n", 2, "policy.on_infected"},
		{"policy { on_unavailable = \"tag\" }\n", 1, "policy.on_unavailable: \"tag\""},
		{"policy { on_unavailable = \"discard\" }\n", 1, "policy.on_unavailable"},
		{"policy { on_infected = \"hold\" }\n", 1, "policy.on_infected: \"hold\" is not allowed"},
		{"policy { on_error = \"hold\" }\n", 1, "policy.on_error: \"hold\" is not allowed"},
		{"policy { on_limit = \"hold\" }\n", 1, "policy.on_limit: \"hold\" is not allowed"},
		{"hold { mta = \"exim\" }\n", 1, "hold.mta: \"exim\" is not an MTA (use postfix or sendmail)"},
		{"hold { max_messages = 0 }\n", 1, "hold.max_messages"},
		{"hold { dir = \"\" }\n", 1, "hold.dir"},
		{"policy { on_limit = \"quarantine\" }\n", 1, "policy.on_limit: \"quarantine\""},
		{"policy { on_limit = \"discard\" }\n", 1, "accept, reject or tempfail"},
		{"policy { on_limit = \"\" }\n", 1, "policy.on_limit: \"\" is not allowed"},
		{"policy { on_limit_size = \"discard\" }\n", 1,
		 "policy.on_limit_size: \"discard\" is not allowed here (use accept, reject or tempfail; \"\" = as on_limit)"},
		{"policy { on_limit_files = \"quarantine\" }\n", 1, "policy.on_limit_files: \"quarantine\""},
		{"policy { on_limit_time = \"tag\" }\n", 1, "policy.on_limit_time: \"tag\""},
		{"policy {\n on_limit_nesting = \"ignore\"\n}\n", 2, "policy.on_limit_nesting: \"ignore\""},
		{"policy { on_limit_nesting = \" reject\" }\n", 1, "policy.on_limit_nesting"},
		{"policy { on_limit_size = \"on_limit\" }\n", 1, "policy.on_limit_size"},
		{"policy { on_error = \"discard\" }\n", 1, "policy.on_error: \"discard\""},
		{"policy { on_error = \"tag\" }\n", 1, "policy.on_error"},
		{"policy { on_ambiguous = \"accept\" }\n", 1, "policy.on_ambiguous"},
		{"clamd { servers = {\"tcp:::1:3310\"} }\n", 1, "must be in brackets"},
		{"clamd { servers = {\"tcp:localhost\"} }\n", 1, "tcp:localhost: expected tcp:HOST:PORT"},
		{"clamd { servers = {\"tcp:localhost:0\"} }\n", 1, "port must be 1..65535"},
		{"clamd { servers = {\"tcp:localhost:65536\"} }\n", 1, "port must be 1..65535"},
		{"clamd { servers = {\"tcp:localhost:33a\"} }\n", 1, "bad port"},
		{"clamd { servers = {\"tcp::3310\"} }\n", 1, "empty or too long host"},
		{"clamd { servers = {\"tcp:bad host!:3310\"} }\n", 1, "bad character in host"},
		{"clamd { servers = {\"tcp:[::1:3310\"} }\n", 1, "expected tcp:[ADDRESS]:PORT"},
		{"clamd { servers = {\"tcp:[1:2:3:4:5:6:7:8:9]:3310\"} }\n", 1, "bad IPv6 address"},
		{"clamd { servers = {\"tcp:[nope]:3310\"} }\n", 1, "bad IPv6 address"},
		{"clamd { servers = {\"unix:clamd.ctl\"} }\n", 1, "path must be absolute"},
		{"clamd { servers = {\"unix:\"} }\n", 1, "path must be absolute"},
		{"clamd { servers = {\"127.0.0.1:3310\"} }\n", 1, "expected unix:PATH or tcp:HOST:PORT"},
		{"clamd { servers = {\"unix:/" X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
		 "\"} }\n", 1, "longer than 127 bytes"},
		{"clamd {\n servers = {\"unix:/a\",\n \"udp:x:1\"}\n}\n", 3, "clamd.servers: udp:x:1: expected unix:PATH"},
		{"clamd {\n servers = {\"unix:/a\"}\n limits_unreported_ok = {\"unix:/b\"}\n}\n", 3,
		 "clamd.limits_unreported_ok: \"unix:/b\" is not one of clamd.servers"},
		{"clamd { limits_unreported_ok = {\"udp:x:1\"} }\n", 1,
		 "clamd.limits_unreported_ok: udp:x:1: expected unix:PATH"},
		{"socket = \"/run/x.sock\"\nsocket = \"tcp:1\"\n", 2, "not a milter socket"},
		{"socket = \"unix:\"\n", 1, "not a milter socket"},
		{"headers { add = maybe }\n", 1, "headers.add: \"maybe\" is not a boolean"},
		{"headers {\n hostname = \"mx 1\"\n}\n", 2, "headers.hostname: \"mx 1\" is not a host name"},
		{"headers { hostname = \"mx;rm\" }\n", 1, "headers.hostname"},
		{"headers { hostname = \"-mx\" }\n", 1, "headers.hostname: \"-mx\" is not a host name"},
		{"headers { hostname = \"" X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
		 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 "\" }\n", 1,
		 "headers.hostname: is 260 characters long, at most 253"},
		{"log_addresses = \"some\"\n", 1, "log_addresses: \"some\" is not none, infected or all"},
		{"alert { virus_max_running = 0 }\n", 1, "alert.virus_max_running"},
		{"alert { virus_max_running = 65 }\n", 1, "alert.virus_max_running"},
		{"policy { skip_authenticated = 2 }\n", 1, "policy.skip_authenticated"},
		{"max_scans = -1\n", 1, "max_scans: \"-1\" is not a whole number from 0 to"},
		{"max_scans = 100000\n", 1, "max_scans"},
		{"max_scans = \"four\"\n", 1, "max_scans"},
		{"embedded { max_recursion = 0 }\n", 1, "embedded.max_recursion"},
		{"embedded { max_files = 1.5 }\n", 1, "embedded.max_files"},
		{"embedded { max_scan_time = \"1.5s\" }\n", 1, "\"1.5s\" is not a duration"},
		{"embedded { max_scan_time = \"0\" }\n", 1, "embedded.max_scan_time: must be longer than 0"},
		{"embedded { reload_check = \"60\" }\n", 1, "embedded.reload_check: \"60\""},
		{"clamd { connect_timeout = \"-2s\" }\n", 1, "clamd.connect_timeout"},
		{"status { interval = \"0\" }\n", 1, "status.interval: must be longer than 0"},
		{"alert { min_interval = \"5 m\" }\n", 1, "alert.min_interval"},
		{"policy { fail_open_after = \"1w\" }\n", 1, "policy.fail_open_after"},
		{"memory_limit = \"1.5M\"\n", 1, "memory_limit: \"1.5M\" is not a size"},
		{"embedded { max_file_size = \"0\" }\n", 1, "embedded.max_file_size: must be more than 0"},
		{"clamd { stream_max = \"25MB\" }\n", 1, "clamd.stream_max"},
		{"policy { max_size = \"99999999999999999999\" }\n", 1, "policy.max_size"},
		{"embedded { database = \"\" }\n", 1, "embedded.database: must not be empty"},
		{"embedded { bytecode_security = \"trustsigned\" }\n", 1, "not TrustSigned or Paranoid"},
		{"embedded { reload_mode = \"fast\" }\n", 1, "not concurrent or sequential"},
		{"embedded { pcre_match_limit = 0 }\n", 1, "embedded.pcre_match_limit"},
		{"embedded { max_embedded_pe = \"0\" }\n", 1, "embedded.max_embedded_pe: must be more than 0"},
		{"embedded { alert_encrypted_archive = maybe }\n", 1, "embedded.alert_encrypted_archive"},
		{"spool_dir = \"\"\n", 1, "spool_dir: must not be empty"},
		{"policy { reject_message = \"\" }\n", 1, "policy.reject_message: must not be empty"},
		{"policy { tempfail_message = \"a\\r\\nb\" }\n", 1, "printable ASCII"},
		{"policy { reject_message = \"" X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
		 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
		 X10 X10 X10 X10 X10 X10 X10 "x\" }\n", 1, "at most 400"},
	};

	check_bad("bad value", rows, NROWS(rows));
}

/* test_too_many_servers - CONF_MAX_SERVERS is the limit */
static void
test_too_many_servers(void **state)
{
	char	text[4096];
	size_t	n = 0;
	int	i;
	struct conf *c;
	struct rec r;

	n += (size_t) snprintf(text + n, sizeof(text) - n, "clamd {\n servers = {");
	for (i = 0; i < CONF_MAX_SERVERS; i++)
		n += (size_t) snprintf(text + n, sizeof(text) - n, "%s\"tcp:127.0.0.1:%d\"",
				       i ? ", " : "", 3310 + i);
	snprintf(text + n, sizeof(text) - n, "}\n}\n");
	assert_int_equal(load(text, CONF_STRICT, &r, &c), 0);
	assert_int_equal(c->clamd.nservers, CONF_MAX_SERVERS);
	assert_string_equal(c->clamd.servers[CONF_MAX_SERVERS - 1], "tcp:127.0.0.1:3341");
	conf_unref(c);

	snprintf(text + n, sizeof(text) - n, ", \"unix:/one/more\"}\n}\n");
	assert_int_equal(load(text, CONF_TOLERANT, &r, &c), -1);
	assert_null(c);
	assert_non_null(find(&r, CONF_ERROR, 2, "at most 32"));

	/* any list: more values than it holds is an error, never a silent cut */
	n = (size_t) snprintf(text, sizeof(text), "clamd {\n servers = {\"unix:/a\"}\n"
			      " limits_unreported_ok = {");
	for (i = 0; i <= CONF_MAX_SERVERS; i++)
		n += (size_t) snprintf(text + n, sizeof(text) - n, "%s\"unix:/a\"", i ? ", " : "");
	snprintf(text + n, sizeof(text) - n, "}\n}\n");
	assert_int_equal(load(text, CONF_TOLERANT, &r, &c), -1);
	assert_null(c);
	assert_non_null(find(&r, CONF_ERROR, 3, "clamd.limits_unreported_ok: 33 entries, at most 32"));
}

/* test_syntax - syntax errors stop the load with the line */
static void
test_syntax(void **state)
{
	static const struct bad_row rows[] = {
		/* unterminated strings: the last one in the file */
		{"user = \"x\"\nsocket = \"unix:/a\n", 2, "string is not closed"},
		{"user = \"x\"\n\nsocket = 'unix:/a\n\n", 3, "string is not closed"},
		/* a missing '}': the line of the section that is not closed */
		{"socket = \"unix:/a\"\nembedded {\n  max_files = 3\n\n", 2, "section 'embedded' is not closed"},
		{"unknown {\n  a = 1\n", 1, "not closed"},
		{"x = 1\n}\n", 2, "'}' without a section"},
		{"# c\n/* comment\n never closed\n", 2, "comment '/*' is not closed"},
		{"socket \"unix:/a\"\n", 1, "expected '=' after socket"},
		{"\nsocket =\n", 3, "expected a value for socket"},
		{"socket = {\"unix:/a\"}\n", 1, "socket takes one value, not a list"},
		{"scanners = {\"embedded\" \"clamd\"}\n", 1, "expected ',' or '}'"},
		{"scanners = {\"embedded\",}\n", 1, "expected a value in the list of scanners"},
		{"embedded = \"x\"\n", 1, "expected '{' after section name embedded"},
		{"embedded \"t\" {\n}\n", 1, "expected '{'"},
		{"# one\n# two\n# three\n= 4\n", 4, "expected an option name, found '='"},
		{"socket += \"unix:/b\"\n", 1, "socket"},
		{"a = b = c\n", 1, "expected an option name"},
	};

	check_bad("syntax", rows, NROWS(rows));
}

/* test_all_problems - strict mode reports every problem, sorted by line */
static void
test_all_problems(void **state)
{
	static const char text[] =
		"# many problems\n"			/* 1 */
		"log_level = \"loud\"\n"		/* 2 */
		"bogus = 1\n"				/* 3 */
		"max_threads = 4\n"			/* 4 */
		"policy {\n"				/* 5 */
		"  on_limit = \"discard\"\n"		/* 6 */
		"  also_bogus = \"x\"\n"		/* 7 */
		"}\n"					/* 8 */
		"clamd { servers = {\"tcp:x\"} }\n";	/* 9 */
	static const int lines[] = {2, 3, 4, 6, 7, 9};
	struct conf *c;
	struct rec r;
	size_t	i;

	assert_int_equal(load(text, CONF_STRICT, &r, &c), -1);
	assert_null(c);
	if (r.n != NROWS(lines))
		dump("all problems", &r);
	assert_int_equal(r.n, NROWS(lines));
	assert_int_equal(r.errors, 5);
	assert_int_equal(r.warnings, 1);		/* the deprecated one */
	for (i = 0; i < NROWS(lines); i++)
		assert_int_equal(r.s[i].line, lines[i]);
	assert_int_equal(r.s[2].sev, CONF_WARNING);
}

/* test_lines_after_comments - '#', '//' and block comments do not move lines */
static void
test_lines_after_comments(void **state)
{
	static const struct bad_row rows[] = {
		{"# 1\n# 2\n# 3\n# 4\nlog_level = \"x\"\n", 5, "log_level"},
		{"// 1\n/* 2\n 3 */ # 3\nuser = \"a\" # 4\nlog_level = \"x\"\n", 5, "log_level"},
		{"#a\n#b\n#c\nembedded {\n #e\n #f\n max_files = 0 # g\n}\n", 7, "embedded.max_files"},
		{"user = \"a # not a comment\"\n#\n#\nlog_level = \"x\"\n", 4, "log_level"},
		{"user = \"two\nlines\" # c\n# d\nlog_level = \"x\"\n", 4, "log_level"},
	};
	struct conf *c;
	struct rec r;

	check_bad("comments", rows, NROWS(rows));
	assert_int_equal(load("user = \"a # b // c /* d */\"\n", CONF_STRICT, &r, &c), 0);
	assert_string_equal(c->user, "a # b // c /* d */");
	conf_unref(c);
}

/* test_errors_and_warnings - an error with warnings: -1, both reported */
static void
test_errors_and_warnings(void **state)
{
	struct conf *c;
	struct rec r;

	assert_int_equal(load("old = 1\nmax_threads = 2\nlog_level = \"x\"\n", CONF_TOLERANT,
			      &r, &c), -1);
	assert_null(c);
	assert_int_equal(r.warnings, 2);
	assert_int_equal(r.errors, 1);
	assert_non_null(find(&r, CONF_WARNING, 1, "unknown option 'old'"));
	assert_non_null(find(&r, CONF_WARNING, 2, "deprecated"));
	assert_non_null(find(&r, CONF_ERROR, 3, "log_level"));
}

/* test_pua_lists - PUA category lists that would be ignored are warnings with their line */
static void
test_pua_lists(void **state)
{
	struct conf *c;
	struct rec r;

	(void) state;
	assert_int_equal(load("embedded {\n detect_pua = true\n exclude_pua = {\"Win\"}\n"
			      " include_pua = {\"Packed\"}\n}\n", CONF_TOLERANT, &r, &c), 0);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, 1);
	assert_non_null(find(&r, CONF_WARNING, 4, "include_pua ignored: exclude_pua is set too"));
	assert_int_equal(c->embedded.nexclude_pua, 1);
	conf_unref(c);
	assert_int_equal(load("embedded {\n include_pua = {\"Packed\"}\n}\n", CONF_TOLERANT, &r,
			      &c), 0);
	assert_int_equal(r.warnings, 1);
	assert_non_null(find(&r, CONF_WARNING, 2, "include_pua ignored: detect_pua is false"));
	conf_unref(c);
	assert_int_equal(load("embedded {\n detect_pua = true\n include_pua = {\"Packed\"}\n}\n",
			      CONF_TOLERANT, &r, &c), 0);
	assert_int_equal(r.warnings, 0);
	assert_int_equal(c->embedded.ninclude_pua, 1);
	assert_string_equal(c->embedded.include_pua[0], "Packed");
	conf_unref(c);
}

/* test_missing_file - cannot open: an error without a line */
static void
test_missing_file(void **state)
{
	char	path[600];
	struct conf *c = NULL;
	struct rec r;

	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", tmpdir);
	assert_int_equal(conf_load(path, CONF_TOLERANT, collect, &r, &c), -1);
	assert_null(c);
	assert_int_equal(r.errors, 1);
	assert_string_equal(r.s[0].file, path);
	assert_int_equal(r.s[0].line, 0);
	assert_non_null(strstr(r.s[0].text, "No such file"));
}

/* test_log_fallback - no report function: "FILE:LINE: text" in the log */
static void
test_log_fallback(void **state)
{
	char	logpath[600], buf[4096], want[700];
	const char *path;
	struct conf *c = NULL;
	FILE   *fp;
	size_t	n;
	int	saved;

	snprintf(logpath, sizeof(logpath), "%s/stderr", tmpdir);
	path = write_conf("\n\nnot_an_option = 1\nlog_level = \"loud\"\n");
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	fp = fopen(logpath, "w+");
	assert_non_null(fp);
	assert_true(dup2(fileno(fp), 2) >= 0);
	assert_int_equal(conf_load(path, CONF_TOLERANT, NULL, NULL, &c), -1);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_null(c);
	snprintf(want, sizeof(want), "%s:3: unknown option 'not_an_option'", path);
	if (strstr(buf, want) == NULL)
		fail_msg("log has no \"%s\":\n%s", want, buf);
	snprintf(want, sizeof(want), "%s:4: log_level: \"loud\"", path);
	if (strstr(buf, want) == NULL)
		fail_msg("log has no \"%s\":\n%s", want, buf);
}

/* test_refcount - references keep the snapshot; the last unref frees it */
static void
test_refcount(void **state)
{
	struct conf *c = NULL, *d;

	assert_int_equal(conf_load(NULL, CONF_TOLERANT, NULL, NULL, &c), 0);
	assert_int_equal(c->refcount, 1);
	d = conf_ref(c);
	assert_ptr_equal(c, d);
	assert_int_equal(c->refcount, 2);
	conf_unref(d);
	assert_int_equal(c->refcount, 1);
	assert_string_equal(c->socket, "unix:/run/clamshim/clamshim.sock");
	conf_unref(c);			/* ASan would see a leak or a double free */
	conf_unref(NULL);
	assert_null(conf_ref(NULL));
	/* out may be NULL: the result is dropped */
	assert_int_equal(conf_load(NULL, CONF_STRICT, NULL, NULL, NULL), 0);
}

/* ---- signature rules ---- */

/* test_sigrules - signature "GLOB" { action }: parsed in file order, bad ones at their line */
static void
test_sigrules(void **state)
{
	static const struct bad_row bad[] = {
		{"signature \"PUA.*\" {\n action = \"accept\"\n}\n", 2,
		 "\"accept\" is not allowed here (use reject, discard, quarantine or tag, or ignore)"},
		{"# c\nsignature \"PUA.*\" { action = \"tempfail\" }\n", 2, "signature.action"},
		{"\n\nsignature \"\" { action = \"tag\" }\n", 3, "signature: the title is empty"},
		{"signature \"" X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
		 X10 X10 X10 "X\" { action = tag }\n", 1, "longer than 200 bytes"},
		{"signature \"A\" { action = tag }\n\nsignature \"B\" { }\n", 3,
		 "signature \"B\": action is not set"},
		{"signature \"A\" { action = tag }\nsignature \"A\" { action = reject }\n", 2,
		 "duplicate title"},
		{"signature { action = tag }\n", 1, "expected a title after section name signature"},
	};
	static const char good[] =
		"policy { on_infected = \"discard\" }\n"
		"# site rules\n"
		"signature \"PUA.Win.*\"          { action = \"reject\" }\n"
		"signature \"PUA.*\"              { action = \"tag\" }\n"
		"signature \"Sanesecurity.Junk.*\" { action = \"ignore\" }\n"
		"signature \"*.Phish.*\" {\n  action = quarantine\n}\n"
		"signature 'Heuristics.*' { action = DISCARD }\n";
	char	many[300 * 48];
	struct conf *c;
	struct rec r;
	size_t	i, n = 0;

	(void) state;
	if (load(good, CONF_STRICT, &r, &c) != 0 || r.n)
		dump(good, &r);
	assert_non_null(c);
	assert_int_equal(c->nsigrules, 5);
	assert_ptr_equal(c->policy.sigrules, c->sigrules);
	assert_int_equal(c->policy.nsigrules, 5);
	assert_string_equal(c->sigrules[0].glob, "PUA.Win.*");
	assert_int_equal(c->sigrules[0].what.ignore, 0);
	assert_int_equal(c->sigrules[0].what.action, POLICY_REJECT);
	assert_string_equal(c->sigrules[1].glob, "PUA.*");
	assert_int_equal(c->sigrules[1].what.action, POLICY_TAG);
	assert_string_equal(c->sigrules[2].glob, "Sanesecurity.Junk.*");
	assert_int_equal(c->sigrules[2].what.ignore, 1);
	assert_string_equal(c->sigrules[3].glob, "*.Phish.*");
	assert_int_equal(c->sigrules[3].what.action, POLICY_QUARANTINE);
	assert_string_equal(c->sigrules[4].glob, "Heuristics.*");
	assert_int_equal(c->sigrules[4].what.action, POLICY_DISCARD);
	assert_int_equal(c->policy.on_infected, POLICY_DISCARD);
	conf_unref(c);

	/* strict: an unknown option in a rule, a rule inside policy { } */
	assert_int_equal(load("signature \"A\" { action = tag\n what = 1 }\n", CONF_STRICT, &r, &c), -1);
	assert_non_null(find(&r, CONF_ERROR, 2, "signature.what"));
	assert_int_equal(load("policy {\n signature \"A\" { action = tag } }\n", CONF_STRICT, &r, &c), -1);
	assert_non_null(find(&r, CONF_ERROR, 2, "policy.signature"));

	/* none: no rules */
	assert_int_equal(load("", CONF_STRICT, &r, &c), 0);
	assert_int_equal(c->nsigrules, 0);
	assert_int_equal(c->policy.nsigrules, 0);
	conf_unref(c);

	check_bad("sigrules", bad, NROWS(bad));

	/* 256 rules load; the 257th is an error at its line */
	for (i = 1; i <= POLICY_SIGRULES_MAX; i++)
		n += (size_t) snprintf(many + n, sizeof(many) - n,
				       "signature \"S%zu.*\" { action = ignore }\n", i);
	if (load(many, CONF_STRICT, &r, &c) != 0 || r.n)
		dump("256 rules", &r);
	assert_int_equal(c->nsigrules, POLICY_SIGRULES_MAX);
	assert_string_equal(c->sigrules[255].glob, "S256.*");
	conf_unref(c);
	snprintf(many + n, sizeof(many) - n, "signature \"S257.*\" { action = ignore }\n");
	assert_int_equal(load(many, CONF_STRICT, &r, &c), -1);
	assert_null(c);
	assert_non_null(find(&r, CONF_ERROR, 257, "more than 256 signature rules"));
}

/* ---- classes ---- */

/* test_classes - class "NAME" { ... }: criteria, scan, policy keys set or inherited, bad ones at their line */
static void
test_classes(void **state)
{
	static const struct bad_row bad[] = {
		{"class \"a\" {\n networks = {\"127.0.0.1\", \"300.1.2.3\"}\n}\n", 2,
		 "class.networks: \"300.1.2.3\" is not an IP address or network"},
		{"class \"a\" {\n\n networks = {\"10.0.0.0/33\"}\n}\n", 3, "is not an IP address or network"},
		{"class \"a\" {\n authenticated = maybe\n}\n", 2, "class.authenticated: \"maybe\" is not a boolean"},
		{"class \"a\" {\n senders = {\"\"}\n}\n", 2, "class.senders: must not be empty"},
		{"class \"a\" {\n scan = sometimes\n}\n", 2, "class.scan"},
		{"class \"a\" {\n policy {\n  on_infected = \"accept\"\n }\n}\n", 3,
		 "class.policy.on_infected: \"accept\" is not allowed here (use reject, discard, quarantine or tag)"},
		{"signature \"X\" { action = tag }\n\nclass \"a b\" { }\n", 3,
		 "class \"a b\": a class name has only letters, digits"},
		{"class \"a\" { }\nclass \"a\" { }\n", 2, "a"},
		{"\nclass \"\" { }\n", 2, "class: the title is empty"},
	};
	static const char good[] =
		"policy {\n"
		"  on_infected = \"discard\"\n"
		"  on_limit = \"tempfail\"\n"
		"  reject_message = \"top: %v\"\n"
		"}\n"
		"signature \"PUA.*\" { action = \"tag\" }\n"
		"class \"submission\" {\n"
		"  networks = {\"127.0.0.0/8\", \"::1\", \"192.0.2.0/24\"}\n"
		"  authenticated = true\n"
		"  auth_users = {\"alice\", \"*@example.org\"}\n"
		"  daemons = {\"ORIGINATING\"}\n"
		"  senders = {\"*@example.org\", \"<>\"}\n"
		"  policy { on_unavailable = \"accept\" }\n"
		"}\n"
		"class \"abuse\" {\n"
		"  recipients = {\"abuse@example.org\"}\n"
		"  policy {\n"
		"    on_infected = \"tag\"\n"
		"    on_limit = \"accept\"\n"
		"    reject_message = \"abuse: %v\"\n"
		"  }\n"
		"}\n"
		"class \"lan\" { networks = {\"10.0.0.0/8\"}\n scan = false\n authenticated = false }\n";
	struct conf *c;
	struct rec r;
	const struct policy_class *k;
	char	many[POLICY_CLASSES_MAX * 24 + 64], nets[POLICY_CLASS_ENTRIES_MAX * 16 + 64];
	size_t	i, n = 0;

	(void) state;
	if (load(good, CONF_STRICT, &r, &c) != 0 || r.n)
		dump(good, &r);
	assert_non_null(c);
	assert_int_equal(c->nclasses, 3);
	k = &c->classes[0];
	assert_string_equal(k->name, "submission");
	assert_int_equal(k->nnetworks, 3);
	assert_int_equal(k->networks[1].bits, 128);
	assert_int_equal(k->authenticated, 1);
	assert_int_equal(k->nauth_users, 2);
	assert_string_equal(k->auth_users[1], "*@example.org");
	assert_int_equal(k->ndaemons, 1);
	assert_int_equal(k->nsenders, 2);
	assert_string_equal(k->senders[1], "<>");
	assert_int_equal(k->nrecipients, 0);
	assert_int_equal(k->scan, 1);
	/* set: its own; unset: the top level's (strings, limits, signature rules too) */
	assert_int_equal(k->policy.on_unavailable, POLICY_ACCEPT);
	assert_int_equal(k->policy.on_infected, POLICY_DISCARD);
	assert_int_equal(k->policy.on_limit, POLICY_TEMPFAIL);
	assert_int_equal(k->policy.on_limit_kind[SCAN_LIMIT_SIZE].action, POLICY_TEMPFAIL);
	assert_int_equal(k->policy.on_limit_kind[SCAN_LIMIT_NESTING].action, POLICY_REJECT);
	assert_string_equal(k->policy.reject_message, "top: %v");
	assert_ptr_equal(k->policy.sigrules, c->sigrules);
	assert_int_equal(k->policy.nsigrules, 1);
	k = &c->classes[1];
	assert_string_equal(k->name, "abuse");
	assert_int_equal(k->nnetworks, 0);
	assert_int_equal(k->authenticated, -1);
	assert_int_equal(k->nrecipients, 1);
	assert_int_equal(k->policy.on_infected, POLICY_TAG);
	assert_int_equal(k->policy.on_unavailable, POLICY_TEMPFAIL);
	assert_int_equal(k->policy.on_limit, POLICY_ACCEPT);
	/* a kind not set anywhere follows the class's on_limit; nesting's default stays */
	assert_int_equal(k->policy.on_limit_kind[SCAN_LIMIT_SIZE].action, POLICY_ACCEPT);
	assert_int_equal(k->policy.on_limit_kind[SCAN_LIMIT_NESTING].action, POLICY_REJECT);
	assert_string_equal(k->policy.reject_message, "abuse: %v");
	k = &c->classes[2];
	assert_int_equal(k->scan, 0);
	assert_int_equal(k->authenticated, 0);
	/* the top level is untouched */
	assert_int_equal(c->policy.on_infected, POLICY_DISCARD);
	assert_int_equal(c->policy.on_unavailable, POLICY_TEMPFAIL);
	assert_string_equal(c->policy.reject_message, "top: %v");
	conf_unref(c);

	/* strict: an unknown option in a class or in its policy, at its line */
	assert_int_equal(load("class \"a\" {\n what = 1\n}\n", CONF_STRICT, &r, &c), -1);
	assert_non_null(find(&r, CONF_ERROR, 2, "class.what"));
	assert_int_equal(load("class \"a\" {\n policy {\n  what = 1\n }\n}\n", CONF_STRICT, &r, &c), -1);
	assert_non_null(find(&r, CONF_ERROR, 3, "class.policy.what"));

	/* none */
	assert_int_equal(load("", CONF_STRICT, &r, &c), 0);
	assert_int_equal(c->nclasses, 0);
	conf_unref(c);

	check_bad("classes", bad, NROWS(bad));

	/* 64 classes load; the 65th is an error at its line, with signature rules around */
	n = (size_t) snprintf(many, sizeof(many), "signature \"S\" { action = tag }\n");
	for (i = 1; i <= POLICY_CLASSES_MAX; i++)
		n += (size_t) snprintf(many + n, sizeof(many) - n, "class \"c%zu\" { }\n", i);
	if (load(many, CONF_STRICT, &r, &c) != 0 || r.n)
		dump("64 classes", &r);
	assert_int_equal(c->nclasses, POLICY_CLASSES_MAX);
	assert_string_equal(c->classes[63].name, "c64");
	conf_unref(c);
	snprintf(many + n, sizeof(many) - n, "class \"c65\" { }\n");
	assert_int_equal(load(many, CONF_STRICT, &r, &c), -1);
	assert_non_null(find(&r, CONF_ERROR, POLICY_CLASSES_MAX + 2, "more than 64 classes"));

	/* 64 networks in one class load; 65 are an error */
	n = (size_t) snprintf(nets, sizeof(nets), "class \"a\" {\n networks = {");
	for (i = 1; i <= POLICY_CLASS_ENTRIES_MAX; i++)
		n += (size_t) snprintf(nets + n, sizeof(nets) - n, "%s\"10.0.0.%zu\"", i > 1 ? ", " : "", i);
	snprintf(nets + n, sizeof(nets) - n, "}\n}\n");
	if (load(nets, CONF_STRICT, &r, &c) != 0 || r.n)
		dump("64 networks", &r);
	assert_int_equal(c->classes[0].nnetworks, POLICY_CLASS_ENTRIES_MAX);
	conf_unref(c);
	snprintf(nets + n, sizeof(nets) - n, ", \"10.0.1.1\"}\n}\n");
	assert_int_equal(load(nets, CONF_STRICT, &r, &c), -1);
	assert_non_null(find(&r, CONF_ERROR, 1, "class.networks: 65 networks, at most 64 are allowed"));
}

/* test_option_names - the table as "section.option", no deprecated names */
static void
test_option_names(void **state)
{
	static const char *const want[] = {
		"socket", "socket_group", "socket_mode", "user", "pid_file", "log_level", "syslog_facility", "scanners",
		"max_scans", "memory_limit", "spool_dir", "log_addresses", "embedded.database",
		"embedded.reload_check", "embedded.max_db_age", "embedded.max_scan_time",
		"embedded.max_file_size", "embedded.max_scan_size", "embedded.max_recursion",
		"embedded.max_files",
		"embedded.cache", "embedded.reload_mode",
		"embedded.detect_pua",
		"embedded.exclude_pua",
		"embedded.include_pua",
		"embedded.heuristic_alerts",
		"embedded.heuristic_scan_precedence",
		"embedded.alert_broken_executables",
		"embedded.alert_broken_media",
		"embedded.alert_encrypted",
		"embedded.alert_encrypted_archive",
		"embedded.alert_encrypted_doc",
		"embedded.alert_ole2_macros",
		"embedded.alert_phishing_ssl_mismatch",
		"embedded.alert_phishing_cloak",
		"embedded.alert_partition_intersection",
		"embedded.phishing_signatures",
		"embedded.phishing_scan_urls",
		"embedded.scan_pe",
		"embedded.scan_elf",
		"embedded.scan_ole2",
		"embedded.scan_pdf",
		"embedded.scan_swf",
		"embedded.scan_xmldocs",
		"embedded.scan_hwp3",
		"embedded.scan_onenote",
		"embedded.scan_html",
		"embedded.scan_archive",
		"embedded.scan_image",
		"embedded.scan_image_fuzzy_hash",
		"embedded.bytecode",
		"embedded.bytecode_security",
		"embedded.bytecode_timeout",
		"embedded.bytecode_unsigned",
		"embedded.official_database_only",
		"embedded.max_embedded_pe",
		"embedded.max_html_normalize",
		"embedded.max_html_no_tags",
		"embedded.max_script_normalize",
		"embedded.max_zip_type_rcg",
		"embedded.max_partitions",
		"embedded.max_icons_pe",
		"embedded.max_rec_hwp3",
		"embedded.pcre_match_limit",
		"embedded.pcre_rec_match_limit",
		"embedded.pcre_max_file_size",
		"embedded.structured_data_detection",
		"embedded.structured_min_credit_card_count",
		"embedded.structured_min_ssn_count",
		"embedded.structured_ssn_format_normal",
		"embedded.structured_ssn_format_stripped",
		"embedded.structured_cc_only",
		"clamd.servers", "clamd.connect_timeout",
		"clamd.scan_timeout", "clamd.retry_after", "clamd.stream_max",
		"clamd.limits_unreported_ok",
		"policy.on_infected", "policy.on_unavailable", "policy.fail_open_after",
		"policy.on_limit", "policy.on_limit_size", "policy.on_limit_files",
		"policy.on_limit_time", "policy.on_limit_nesting", "policy.on_error", "policy.on_ambiguous",
		"policy.max_size",
		"policy.reject_message", "policy.tempfail_message",
		"policy.skip_authenticated", "headers.add", "headers.strip_incoming", "headers.hostname",
		"alert.command", "alert.min_interval", "alert.virus_command", "alert.virus_max_running",
		"status.file", "status.interval",
		"hold.mta", "hold.max_messages", "hold.max_age", "hold.dir",
	};
	size_t	i, j;

	assert_int_equal(conf_option_count(), NROWS(want));
	for (i = 0; i < NROWS(want); i++)
		assert_string_equal(conf_option_name(i), want[i]);
	assert_null(conf_option_name(NROWS(want)));
	for (i = 0; i < conf_option_count(); i++) {
		assert_null(strstr(conf_option_name(i), "max_threads"));
		assert_null(strstr(conf_option_name(i), "stream_max_length"));
		for (j = 0; j < i; j++)
			assert_string_not_equal(conf_option_name(i), conf_option_name(j));
	}
	assert_string_equal(conf_scanner_name(CONF_SCANNER_EMBEDDED), "embedded");
	assert_string_equal(conf_scanner_name(CONF_SCANNER_CLAMD), "clamd");
}

/* ---- the option table ---- */

/* check_rows - each row of sec (named prefix) is complete and its default passes its own check */
static unsigned
check_rows(const struct conf_section *sec, const char *prefix, int titled)
{
	char	full[CONF_NAME_MAX], err[CONF_TEXT_MAX];
	unsigned bad = 0;
	size_t	i;

	for (i = 0; i < sec->nrows; i++) {
		const struct conf_row *r = &sec->rows[i];
		const char *why = NULL;

		conf_full_name(prefix, r->name, full, sizeof(full));
		if (r->type == CONF_SECTION && (r->flags & CONF_TITLED)
		    && (r->max <= 0 || r->meaning == NULL || r->elem_size < sizeof(char *)
			|| r->title_max == 0)) {
			print_message("row %s: a titled section needs max, a meaning, elem_size, title_max\n",
				      full);
			bad++;
		}
		if (r->type == CONF_SECTION) {
			bad += r->sub ? check_rows(r->sub, full, (r->flags & CONF_TITLED) != 0) : 1;
			continue;
		}
		if (*r->name == '\0' || strchr(r->name, '.') || (unsigned) r->type >= CONF_TYPE_COUNT)
			why = "bad name or type";
		else if (r->type == CONF_COUNT && (r->min > r->max || r->meaning == NULL))
			why = "a count needs min <= max and a meaning";
		else if ((r->type == CONF_ACTION || r->type == CONF_ACTION_UNSET) && r->allowed == 0)
			why = "an action needs its allowed set";
		else if (r->type == CONF_MESSAGE && r->max <= 0)
			why = "a message needs its longest length";
		else if ((r->flags & CONF_LIST) && (r->max <= 0 || r->meaning == NULL
						    || (r->dflt && r->dflt[0] != '{')))
			why = "a list needs max, a meaning and a {default}";
		else if (!(r->flags & CONF_LIST) && r->dflt == NULL && !titled)
			why = "no default";	/* in a titled section: must be set */
		else if (!(r->flags & CONF_LIST) && r->dflt && conf_type_parse(r, r->dflt, NULL, err, sizeof(err)) < 0)
			why = err;
		if (why) {
			print_message("row %s: %s\n", full, why);
			bad++;
		}
	}
	return bad;
}

/* put_section - close the sections of was and open those of now ("a.b": "a {" "b {") */
static size_t
put_section(char *text, size_t size, size_t n, const char *was, const char *now)
{
	const char *p;

	if (strcmp(was, now) == 0)
		return n;
	for (p = was; *p; p++)
		if (*p == '.' || p == was)
			n += (size_t) snprintf(text + n, size - n, "}\n");
	for (p = now; *p; p++)
		if (p == now || p[-1] == '.')
			n += (size_t) snprintf(text + n, size - n, "%.*s {\n",
					       (int) strcspn(p, "."), p);
	return n;
}

/* test_table_defaults - every row checks out; all defaults written in a file give check_defaults */
static void
test_table_defaults(void **state)
{
	char	text[8192], was[CONF_NAME_MAX] = "", now[CONF_NAME_MAX];
	struct conf *c;
	struct rec r;
	size_t	i, n = 0;

	assert_int_equal(check_rows(conf_table_root(), NULL, 0), 0);
	for (i = 0; i < conf_option_count(); i++) {
		const char *name = conf_option_name(i), *dflt = conf_option_default(i);
		const char *leaf = strrchr(name, '.');

		snprintf(now, sizeof(now), "%.*s", leaf ? (int) (leaf - name) : 0, name);
		n = put_section(text, sizeof(text), n, was, now);
		snprintf(was, sizeof(was), "%s", now);
		if (dflt == NULL)
			continue;		/* no value: the option is unset */
		n += (size_t) snprintf(text + n, sizeof(text) - n, dflt[0] == '{' ? "%s = %s\n" :
				       "%s = \"%s\"\n", leaf ? leaf + 1 : name, dflt);
		assert_true(n < sizeof(text));
	}
	n = put_section(text, sizeof(text), n, was, "");
	if (load(text, CONF_STRICT, &r, &c) != 0 || r.n)
		dump(text, &r);
	assert_non_null(c);
	assert_int_equal(r.n, 0);
	check_defaults(c);
	conf_unref(c);
	assert_null(conf_option_default(conf_option_count()));
}

/* ---- documentation ---- */

/* srcdir_file - path of a file of the source tree: $top_srcdir, else from __FILE__ */
static void
srcdir_file(const char *rel, char *buf, size_t len)
{
	const char *top = getenv("top_srcdir");
	char	here[512];
	char   *slash;

	if (top && *top) {
		snprintf(buf, len, "%s/%s", top, rel);
		return;
	}
	snprintf(here, sizeof(here), "%s", __FILE__);	/* .../tests/test_conf.c */
	if ((slash = strrchr(here, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(here, sizeof(here), ".");
	if ((slash = strrchr(here, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(here, sizeof(here), "..");
	snprintf(buf, len, "%s/%s", here, rel);
}

/* slurp - a whole (small) file as a string; fails the test if unreadable */
static char *
slurp(const char *path)
{
	FILE   *fp = fopen(path, "r");
	char   *buf;
	size_t	n;

	if (fp == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	buf = malloc(1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* has_match - does text match the extended regex pat */
static int
has_match(const char *text, const char *pat)
{
	regex_t	re;
	int	rc;

	if (regcomp(&re, pat, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0)
		fail_msg("bad regex %s", pat);
	rc = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	return rc == 0;
}

/* test_docs - every option is in the man page and set in the sample config */
static void
test_docs(void **state)
{
	char	man[600], sample[600], pat[200];
	char   *mtext, *stext;
	size_t	i, missing = 0;

	srcdir_file("man/clamshim.conf.5", man, sizeof(man));
	srcdir_file("contrib/clamshim.conf", sample, sizeof(sample));
	mtext = slurp(man);
	stext = slurp(sample);
	assert_true(has_match(mtext, "^\\.TH CLAMSHIM\\.CONF 5"));
	for (i = 0; i < conf_option_count(); i++) {
		const char *name = conf_option_name(i), *dot = strchr(name, '.');
		const char *leaf = dot ? dot + 1 : name;

		/* the man page: an entry whose tag line names the option */
		snprintf(pat, sizeof(pat), "^(\\.B |\\\\fB)%s([^A-Za-z0-9_]|$)", leaf);
		if (!has_match(mtext, pat)) {
			print_message("%s: no entry for %s\n", man, name);
			missing++;
		}
		/* the sample: the option set on a line of its own */
		snprintf(pat, sizeof(pat), "^[ \t]*%s[ \t]*=", leaf);
		if (!has_match(stext, pat)) {
			print_message("%s: %s is not set\n", sample, name);
			missing++;
		}
	}
	/* the deprecated options are listed with their reasons */
	if (!has_match(mtext, "max_threads") || !has_match(mtext, "stream_max_length")) {
		print_message("%s: deprecated options not listed\n", man);
		missing++;
	}
	free(mtext);
	free(stext);
	assert_int_equal(missing, 0);
}

/* test_sample_conf - the sample loads in strict mode, no warning, all defaults */
static void
test_sample_conf(void **state)
{
	char	sample[600];
	struct conf *c = NULL;
	struct rec r;

	memset(&r, 0, sizeof(r));
	srcdir_file("contrib/clamshim.conf", sample, sizeof(sample));
	if (conf_load(sample, CONF_STRICT, collect, &r, &c) != 0 || r.n)
		dump(sample, &r);
	assert_non_null(c);
	assert_int_equal(r.n, 0);
	assert_int_equal(c->warnings, 0);
	check_defaults(c);
	conf_unref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_unknown_tolerant),
		cmocka_unit_test(test_unknown_strict),
		cmocka_unit_test(test_deprecated),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_too_many_servers),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_all_problems),
		cmocka_unit_test(test_lines_after_comments),
		cmocka_unit_test(test_errors_and_warnings),
		cmocka_unit_test(test_pua_lists),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_log_fallback),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_sigrules),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_option_names),
		cmocka_unit_test(test_table_defaults),
		cmocka_unit_test(test_docs),
		cmocka_unit_test(test_sample_conf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
