/*
 * NAME
 *	test_migrate - table-driven tests of migrate(3)
 * SUMMARY
 *	tests/test_migrate
 * DESCRIPTION
 *	Each row is a set of input files (clamav-milter.conf and/or
 *	clamd.conf text), the exit code migrate_text() must give, lines the
 *	output must hold and lines it must not, and a text the notes (stderr)
 *	must hold. The files an option names (AllowList, SkipAuthenticated
 *	file:) come from a reader stub. The rows cover the mapping of each
 *	kind of option, the class sections (their exact text: clamshim -t
 *	cannot check them until classes are in the option table), regular
 *	expressions that are and are not globs, quoting (no ${ENV} expansion),
 *	values clamshim refuses, hostile bytes, and files of neither kind;
 *	a file name with a newline cannot add a setting.
 *	Each failing row is named in the output.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "migrate.h"

#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))

/* test_read - the reader stub: /allow and /users have content, the rest is missing */
static int
test_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	const char *t = NULL;

	if (strcmp(path, "/allow") == 0)
		t = "# a comment\nFrom:^bob@example\\.org$\nTo:abuse@\n!ignored\nabuse@.*\\.net\n"
		    "To:^(a|b)@x$\n";
	else if (strcmp(path, "/users") == 0)
		t = "alice\r\nbob\n\nev*l\n";
	if (t == NULL) {
		snprintf(err, errlen, "%s: No such file", path);
		return -1;
	}
	*text = strdup(t);
	*len = strlen(t);
	return *text ? 0 : -1;
}

#define MILTER_MIN	"MilterSocket /run/m.sock\nClamdSocket unix:/run/c.sock\nUser clamav\n"

/* One case: up to two files, the code, what the output has and has not, a note. */
static const struct {
	const char *name;
	const char *files[2];
	int	rc;
	const char *has[6];
	const char *hasnot[3];
	const char *note;
} cases[] = {
	{"clamav-milter's defaults where they differ", {MILTER_MIN}, MIGRATE_ALL,
	 {"  on_infected = \"quarantine\"\t# OnInfected unset: the default of clamav-milter",
	  "  scan_timeout = \"120s\"\t# ReadTimeout unset", "  max_size = \"100M\"\t# MaxFileSize unset",
	  "  add = false\t# AddHeader unset", "user = \"clamav\""}, {NULL}, NULL},
	{"User unset", {"MilterSocket /run/m.sock\nClamdSocket unix:/run/c.sock\n"}, MIGRATE_SOME,
	 {"# m: User unset (default none): clamav-milter kept the user"}, {"\nuser = "},
	 "m: User unset (default none): not carried over"},
	{"minimal milter", {MILTER_MIN "OnInfected Reject\nOnFail Accept\n"}, MIGRATE_ALL,
	 {"socket = \"unix:/run/m.sock\"", "scanners = {\"clamd\"}", "    \"unix:/run/c.sock\"",
	  "  on_infected = \"reject\"", "  on_unavailable = \"accept\""}, {"class "}, NULL},
	{"inet socket, tcp clamd gets its port", {"MilterSocket inet:7357@127.0.0.1\nUser u\n"
	 "ClamdSocket tcp:127.0.0.1\nClamdSocket tcp:[::1]:3311\nClamdSocket tcp:host:3312\n"},
	 MIGRATE_ALL, {"socket = \"inet:7357@127.0.0.1\"", "\"tcp:127.0.0.1:3310\",",
	  "\"tcp:[::1]:3311\",", "\"tcp:host:3312\""}, {NULL}, NULL},
	{"actions", {MILTER_MIN "OnInfected Blackhole\nOnFail Reject\nOnClean Accept\n"},
	 MIGRATE_ALL, {"on_infected = \"discard\"", "on_unavailable = \"reject\""}, {NULL}, NULL},
	{"accept infected tags", {MILTER_MIN "OnInfected Accept\nOnFail Defer\n"}, MIGRATE_ALL,
	 {"on_infected = \"tag\"", "on_unavailable = \"tempfail\""}, {NULL}, NULL},
	{"actions clamshim has not", {MILTER_MIN "OnInfected Defer\nOnFail Quarantine\n"
	 "OnClean Reject\n"}, MIGRATE_SOME, {"OnInfected Defer: clamshim's on_infected has no"},
	 {"on_infected =", "on_unavailable ="}, "OnClean Reject: not carried over"},
	{"first setting counts", {MILTER_MIN "OnInfected Reject\nOnInfected Quarantine\n"},
	 MIGRATE_ALL, {"on_infected = \"reject\"", "set before in this file"},
	 {"\"quarantine\""}, NULL},
	{"headers", {MILTER_MIN "AddHeader Add\nReportHostname mx.example.org\n"}, MIGRATE_ALL,
	 {"  add = true", "  strip_incoming = false", "  hostname = \"mx.example.org\""}, {NULL},
	 NULL},
	{"no headers", {MILTER_MIN "AddHeader No\n"}, MIGRATE_ALL, {"  add = false"},
	 {"strip_incoming"}, NULL},
	{"socket, user, group, mode, files", {"MilterSocket /run/m.sock\nClamdSocket unix:/run/c.sock\n"
	 "User mail\nMilterSocketGroup postfix\n"
	 "MilterSocketMode 660\nPidFile /run/m.pid\nTemporaryDirectory /var/tmp/m\n"
	 "MaxFileSize 10M\nReadTimeout 30\nLogFacility LOG_MAIL\nLogVerbose yes\n"},
	 MIGRATE_ALL, {"user = \"mail\"", "socket_group = \"postfix\"", "socket_mode = \"0660\"",
	  "spool_dir = \"/var/tmp/m\"", "  max_size = \"10M\"", "  scan_timeout = \"30s\""},
	 {NULL}, NULL},
	{"facility, level", {MILTER_MIN "LogFacility LOG_MAIL\nLogVerbose yes\nLogClean Full\n"},
	 MIGRATE_ALL, {"syslog_facility = \"mail\"", "log_level = \"debug\"",
	  "log_addresses = \"all\""}, {NULL}, NULL},
	{"world-writable socket", {MILTER_MIN "MilterSocketMode 666\n"}, MIGRATE_SOME,
	 {"socket_mode = \"0660\""}, {"0666\"\t"}, "MilterSocketMode 666: not carried over"},
	{"class localnet", {MILTER_MIN "LocalNet 127.0.0.0/8\nLocalNet ::1\nLocalNet local\n"
	 "LocalNet host.example\nLocalNet 10.0.0.0/33\n"}, MIGRATE_SOME,
	 {"class \"localnet\" {\t# clamav-milter does not scan these\n"
	  "  networks = {\t# LocalNet (m:4)\n    \"127.0.0.0/8\",\n    \"::1\"\n  }\n"
	  "  scan = false\n}\n"}, {NULL}, "LocalNet local: not carried over"},
	{"class skip-authenticated, any user", {MILTER_MIN "SkipAuthenticated ^.*$\n"},
	 MIGRATE_ALL, {"class \"skip-authenticated\" {\t# clamav-milter does not scan these\n"
	  "  authenticated = true\t# SkipAuthenticated (m:4)\n  scan = false\n}\n"},
	 {"auth_users"}, NULL},
	{"class skip-authenticated, a regex", {MILTER_MIN "SkipAuthenticated ^staff-.*@example\\.org$\n"},
	 MIGRATE_ALL, {"  auth_users = {\t# SkipAuthenticated (m:4)\n    \"staff-*@example.org\"\n  }\n"},
	 {NULL}, NULL},
	{"skip-authenticated, not a glob: no class", {MILTER_MIN "SkipAuthenticated ^(alice|bob)$\n"},
	 MIGRATE_SOME, {"write it as a glob"}, {"class "}, NULL},
	{"skip-authenticated file:", {MILTER_MIN "SkipAuthenticated file:/users\n"}, MIGRATE_SOME,
	 {"  auth_users = {", "    \"alice\",\n    \"bob\"\n  }", "  authenticated = true"},
	 {"ev*l\""}, "not a plain glob"},
	{"skip-authenticated missing file", {MILTER_MIN "SkipAuthenticated file:/nope\n"},
	 MIGRATE_SOME, {"cannot read the file"}, {"class "}, NULL},
	{"allow list", {MILTER_MIN "AllowList /allow\n"}, MIGRATE_SOME,
	 {"class \"allowlist-senders\" {\t# clamav-milter does not scan these\n"
	  "  senders = {\t# AllowList (m:4)\n    \"bob@example.org\"\n  }\n  scan = false\n}\n",
	  "class \"allowlist-recipients\" {\t# clamav-milter does not scan these\n"
	  "  recipients = {\t# AllowList (m:4)\n    \"*abuse@*\",\n    \"*abuse@*.net*\"\n  }\n"
	  "  scan = false\n}\n"}, {"ignored"}, "\"^(a|b)@x$\" is not plain text"},
	{"quoting: no ${ENV}, quotes", {MILTER_MIN "RejectMsg \"Virus ${HOME} \"%v\" \\ found\"\n"},
	 MIGRATE_ALL, {"reject_message = \"Virus \\${HOME} \\\"%v\\\" \\\\ found\""}, {NULL}, NULL},
	{"virus action, log file, chroot", {MILTER_MIN "VirusAction /bin/notify\nLogFile /x\n"
	 "Chroot /srv\n"}, MIGRATE_SOME, {"# Not carried over:\n"}, {"virus_command = \"/"},
	 "VirusAction /bin/notify: not carried over"},
	{"unknown option", {MILTER_MIN "Bogus 1\n"}, MIGRATE_SOME, {"Bogus 1: not an option"},
	 {NULL}, "Bogus 1: not carried over"},
	{"hostile bytes", {MILTER_MIN "RejectMsg a\x01\x7f\xff\n"}, MIGRATE_SOME,
	 {"not printable ASCII"}, {"reject_message"}, "RejectMsg a???: not carried over"},
	{"no ClamdSocket", {"MilterSocket /run/m.sock\nUser u\nOnInfected Reject\n"}, MIGRATE_SOME,
	 {"scanners = {\"embedded\"}"}, {NULL}, "no ClamdSocket"},
	{"clamd.conf alone", {"LocalSocket /run/c.sock\nDatabaseDirectory /db\nMaxScanTime 0\n"
	 "MaxFileSize 5M\nMaxRecursion 12\nDetectPUA yes\nExcludePUA Tool\nExcludePUA Packed\n"
	 "BytecodeTimeout 1500\nSelfCheck 600\n"}, MIGRATE_SOME,
	 {"scanners = {\"embedded\"}", "  database = \"/db\"", "  max_file_size = \"5M\"",
	  "  max_recursion = 12", "  detect_pua = true", "  bytecode_timeout = \"1500ms\""},
	 {"clamd {", "max_scan_time"}, "MaxScanTime 0: not carried over"},
	{"both files, AlertExceedsMax yes", {MILTER_MIN, "LocalSocket /run/c.sock\n"
	 "AlertExceedsMax yes\nMaxScanSize 50M\nStreamMaxLength 20M\n"}, MIGRATE_ALL,
	 {"scanners = {\"clamd\"}", "  max_scan_size = \"50M\"", "  stream_max = \"20M\"",
	  "# clamd.conf's scanning settings for the embedded engine"}, {"AlertExceedsMax yes in"},
	 NULL},
	{"both files, AlertExceedsMax unset", {MILTER_MIN, "LocalSocket /run/c.sock\n"},
	 MIGRATE_ALL, {"Set AlertExceedsMax yes in clamd.conf"}, {NULL}, NULL},
	{"clamd's defaults where they differ", {MILTER_MIN, "LocalSocket /run/c.sock\n"}, MIGRATE_ALL,
	 {"  max_scan_time = \"120s\"\t# MaxScanTime unset: the default of clamd",
	  "  max_scan_size = \"400M\"", "  max_file_size = \"100M\"", "  max_recursion = 17",
	  "  stream_max = \"100M\""}, {"max_files"}, NULL},
	{"clamd.conf limit out of range", {"LocalSocket /x\nMaxRecursion 5000\n"}, MIGRATE_SOME,
	 {"MaxRecursion 5000: clamshim's max_recursion"}, {"max_recursion ="}, NULL},
	{"neither kind", {"Hello world\n# nothing\n"}, MIGRATE_ERROR, {NULL}, {NULL},
	 "neither a clamav-milter.conf nor a clamd.conf"},
	{"two milter files", {MILTER_MIN, MILTER_MIN}, MIGRATE_ERROR, {NULL}, {NULL},
	 "a second clamav-milter.conf"},
};

/* test_cases - every row of cases */
static void
test_cases(void **state)
{
	size_t	i, k;
	int	fails = 0;

	(void) state;
	for (i = 0; i < NROWS(cases); i++) {
		struct migrate_src src[2];
		char   *out = NULL, *notes = NULL;
		size_t	n = 0;
		int	rc;

		for (k = 0; k < 2 && cases[i].files[k]; k++, n++) {
			src[k].name = k == 0 ? "m" : "c";
			src[k].text = cases[i].files[k];
			src[k].len = strlen(cases[i].files[k]);
		}
		rc = (int) migrate_text(src, n, test_read, &out, &notes);
		if (rc != cases[i].rc) {
			printf("%s: rc %d, want %d\n%s\n%s", cases[i].name, rc, cases[i].rc, out, notes);
			fails++;
		}
		for (k = 0; k < NROWS(cases[i].has) && cases[i].has[k]; k++)
			if (strstr(out, cases[i].has[k]) == NULL) {
				printf("%s: no \"%s\" in\n%s\n", cases[i].name, cases[i].has[k], out);
				fails++;
			}
		for (k = 0; k < NROWS(cases[i].hasnot) && cases[i].hasnot[k]; k++)
			if (strstr(out, cases[i].hasnot[k]) != NULL) {
				printf("%s: \"%s\" in\n%s\n", cases[i].name, cases[i].hasnot[k], out);
				fails++;
			}
		if (cases[i].note && strstr(notes, cases[i].note) == NULL) {
			printf("%s: no \"%s\" in the notes:\n%s\n", cases[i].name, cases[i].note, notes);
			fails++;
		}
		free(out);
		free(notes);
	}
	assert_int_equal(fails, 0);
}

/* test_long_line - a line past the bound is dropped, not cut into a value */
static void
test_long_line(void **state)
{
	char	text[3000], *out, *notes;
	struct migrate_src src = {"m", text, 0};

	(void) state;
	snprintf(text, sizeof(text), MILTER_MIN "RejectMsg %02000d\n", 7);
	src.len = strlen(text);
	assert_int_equal(migrate_text(&src, 1, NULL, &out, &notes), MIGRATE_SOME);
	assert_non_null(strstr(notes, "longer than"));
	assert_null(strstr(out, "reject_message ="));
	free(out);
	free(notes);
}

/* test_file_name - a file name with a newline stays inside its comments */
static void
test_file_name(void **state)
{
	struct migrate_src src = {"x\nsocket = \"inet:1@evil\"\n", MILTER_MIN "Bogus 1\n",
				  strlen(MILTER_MIN "Bogus 1\n")};
	char   *out, *notes;

	(void) state;
	assert_int_equal(migrate_text(&src, 1, NULL, &out, &notes), MIGRATE_SOME);
	assert_null(strstr(out, "\nsocket = \"inet"));
	assert_null(strstr(notes, "\nsocket = \"inet"));
	assert_non_null(strstr(out, "x?socket = \"inet:1@evil\"?"));
	free(out);
	free(notes);
}

/* test_reads_bounded - at most 16 files named by options are read */
static void
test_reads_bounded(void **state)
{
	char	text[4096], *out, *notes;
	struct migrate_src src = {"m", text, 0};
	size_t	n, i;

	(void) state;
	n = (size_t) snprintf(text, sizeof(text), "%s", MILTER_MIN);
	for (i = 0; i < 20; i++)
		n += (size_t) snprintf(text + n, sizeof(text) - n, "AllowList /allow\n");
	src.len = n;
	assert_int_equal(migrate_text(&src, 1, test_read, &out, &notes), MIGRATE_SOME);
	assert_non_null(strstr(notes, "m:23: AllowList /allow: not carried over: more than 16 files"));
	assert_null(strstr(notes, "m:19: AllowList /allow: not carried over: more than"));
	free(out);
	free(notes);
}

/* test_bounds - no files, too many files */
static void
test_bounds(void **state)
{
	struct migrate_src src[MIGRATE_FILES_MAX + 1];
	char   *out, *notes;
	size_t	i;

	(void) state;
	for (i = 0; i < NROWS(src); i++) {
		src[i].name = "m";
		src[i].text = MILTER_MIN;
		src[i].len = strlen(MILTER_MIN);
	}
	assert_int_equal(migrate_text(src, 0, NULL, &out, &notes), MIGRATE_ERROR);
	free(out);
	free(notes);
	assert_int_equal(migrate_text(src, NROWS(src), NULL, &out, &notes), MIGRATE_ERROR);
	free(out);
	free(notes);
}

/* main - the tests */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_file_name),
		cmocka_unit_test(test_reads_bounded),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
