/*
 * NAME
 *	clamshim 8 - the ClamAV mail filter that is never silent
 * SUMMARY
 *	clamshim [-f] [-c FILE] [-p SPEC]
 *	clamshim -t [-c FILE]
 *	clamshim [-c FILE] --scan FILE...
 *	clamshim -V
 *	clamshim --migrate FILE...
 * DESCRIPTION
 *	The options, and what runs without the daemon: -t checks the
 *	configuration strictly and prints each problem as FILE:LINE:
 *	severity: text; -V prints the versions of clamshim, libclamav and
 *	the signatures; --scan puts each file through the scanner chain and
 *	the policy as the daemon would and prints the verdicts; --migrate
 *	writes the clamshim.conf equivalent to clamav-milter's files
 *	(migrate(3)). Without
 *	those, daemon_main() (daemon.c) runs the milter.
 * DIAGNOSTICS
 *	Exit 1 on a bad option. -t: 0 clean, 1 errors, 2 warnings only.
 *	--scan: 0 all clean, 1 any infected, 2 any unscanned. --migrate: 0
 *	all carried over, 1 error, 2 some options not. The daemon's
 *	exit status is daemon(3)'s.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <clamav.h>

#include "chain.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "migrate.h"
#include "policy.h"
#include "scan.h"
#include "spool.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define MAIN_DEFAULT_CONF	SYSCONFDIR "/clamshim.conf"

#define MAIN_OPT_SCAN		256	/* --scan has no short form */
#define MAIN_OPT_MIGRATE	257	/* nor --migrate */
#define MAIN_NOPTS		8

/* One command-line option: getopt's row and its line in the usage. */
struct main_option {
	const char *name;		/* --name */
	int	arg;			/* no_argument or required_argument */
	int	key;			/* the short option, or a long-only code */
	const char *usage;		/* its line in the usage; NULL: none */
};

/* The options, one row each. */
static const struct main_option main_options[MAIN_NOPTS] = {
	{"config", required_argument, 'c',
	 "-c, --config FILE     configuration file (default " MAIN_DEFAULT_CONF ")"},
	{"foreground", no_argument, 'f',
	 "-f, --foreground      stay in the foreground, log to stderr too"},
	{"socket", required_argument, 'p',
	 "-p, --socket SPEC     milter socket, overrides \"socket\""},
	{"check-config", no_argument, 't',
	 "-t, --check-config    strict check: 0 ok, 1 errors, 2 warnings only"},
	{"scan", no_argument, MAIN_OPT_SCAN,
	 "    --scan FILE...    exit 0 all clean, 1 any infected, 2 any unscanned"},
	{"migrate", no_argument, MAIN_OPT_MIGRATE,
	 "    --migrate FILE... clamav-milter.conf, clamd.conf to clamshim.conf on stdout"},
	{"version", no_argument, 'V',
	 "-V, --version         print clamshim, libclamav and signature versions"},
	{"help", no_argument, 'h', NULL},
};

/* main_usage - the options, to fp */
static void
main_usage(FILE *fp)
{
	size_t	i;

	fprintf(fp,
		"usage: clamshim [-f] [-c FILE] [-p SOCKET]   run the milter\n"
		"       clamshim -t [-c FILE]                 check the configuration\n"
		"       clamshim [-c FILE] --scan FILE...     scan messages and print verdicts\n"
		"       clamshim --migrate FILE...            convert clamav-milter's configuration\n"
		"       clamshim -V                           print versions\n");
	for (i = 0; i < MAIN_NOPTS; i++)
		if (main_options[i].usage)
			fprintf(fp, "  %s\n", main_options[i].usage);
}

/* main_getopt_tables - getopt_long's table and short option string from main_options */
static void
main_getopt_tables(struct option *longopts, char *shortopts)
{
	size_t	i, n = 0;

	for (i = 0; i < MAIN_NOPTS; i++) {
		longopts[i].name = main_options[i].name;
		longopts[i].has_arg = main_options[i].arg;
		longopts[i].flag = NULL;
		longopts[i].val = main_options[i].key;
		if (main_options[i].key < 256) {
			shortopts[n++] = (char) main_options[i].key;
			if (main_options[i].arg == required_argument)
				shortopts[n++] = ':';
		}
	}
	memset(&longopts[MAIN_NOPTS], 0, sizeof(longopts[MAIN_NOPTS]));
	shortopts[n] = 0;
}

/* Counts problems for -t and prints them as FILE:LINE: severity: text. */
struct main_check {
	unsigned errors;
	unsigned warnings;
};

/* main_check_report - the conf_report_fn of -t */
static void
main_check_report(void *ctx, enum conf_severity sev, const char *file, int line,
		  const char *text)
{
	struct main_check *mc = ctx;

	if (sev == CONF_ERROR)
		mc->errors++;
	else
		mc->warnings++;
	if (line > 0)
		printf("%s:%d: %s: %s\n", file ? file : "-", line,
		       sev == CONF_ERROR ? "error" : "warning", text);
	else
		printf("%s: %s: %s\n", file ? file : "-",
		       sev == CONF_ERROR ? "error" : "warning", text);
}

/* main_check_config - -t: strict validation */
static int
main_check_config(const char *path)
{
	struct main_check mc = {0, 0};
	struct conf *conf = NULL;
	int	rc;

	rc = conf_load(path, CONF_STRICT, main_check_report, &mc, &conf);
	if (rc < 0 && mc.errors == 0)
		mc.errors = 1;
	conf_unref(conf);
	printf("%s: %u error%s, %u warning%s\n", path, mc.errors, mc.errors == 1 ? "" : "s",
	       mc.warnings, mc.warnings == 1 ? "" : "s");
	if (mc.errors)
		return 1;
	return mc.warnings ? 2 : 0;
}

/* main_db_version - the signature version from the .cvd/.cld headers in dir */
static void
main_db_version(const char *dir, char *buf, size_t len)
{
	static const char *const names[] = {"daily.cld", "daily.cvd", "daily.cud", "main.cld",
					     "main.cvd", "main.cud"};
	char	path[4096];
	size_t	i;

	snprintf(buf, len, "none found in %s", dir);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cl_cvd *cvd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (access(path, R_OK) != 0 || (cvd = cl_cvdhead(path)) == NULL)
			continue;
		snprintf(buf, len, "%s %u (%s)", names[i], cvd->version, cvd->time ? cvd->time : "");
		cl_cvdfree(cvd);
		return;
	}
}

/* main_version - -V */
static int
main_version(const char *path)
{
	struct conf *conf = NULL;
	char	db[256];

	log_set(LOG_LEVEL_ERROR, -1);
	if (conf_load(access(path, R_OK) == 0 ? path : NULL, CONF_TOLERANT, NULL, NULL, &conf) < 0)
		conf_load(NULL, CONF_TOLERANT, NULL, NULL, &conf);
	main_db_version(conf ? conf->embedded.database : "/var/lib/clamav", db, sizeof(db));
	printf("clamshim %s\nlibclamav %s\nsignatures %s\n", PACKAGE_VERSION, cl_retver(), db);
	conf_unref(conf);
	return 0;
}

/* main_scan_files - --scan: each file through the chain and the policy */
static int
main_scan_files(struct conf *conf, char **files, int nfiles)
{
	struct chain *ch = chain_new(&chain_real_backends);
	char	err[256];
	int	i, worst = 0;

	if (chain_configure(ch, conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "clamshim: %s\n", err);
		chain_free(ch);
		return 2;
	}
	(void) chain_wait_ready(ch, conf, DAEMON_LOAD_WAIT_MS);
	for (i = 0; i < nfiles; i++) {
		struct scan_verdict v;
		struct policy_decision d;
		struct spool *sp;
		char	shown[SCAN_NAME_MAX + 32];

		memset(&v, 0, sizeof(v));
		sp = spool_from_file(files[i], conf->spool_dir, conf->memory_limit,
				     conf->policy.max_size, err, sizeof(err));
		if (sp == NULL)
			scan_verdict_set(&v, SCAN_ERROR, "none", "%s", err);
		else
			chain_scan(ch, conf, sp, &v);
		spool_free(sp);
		policy_decide(&v, &conf->policy, chain_unavailable_ms(ch), &d);
		if (v.result == SCAN_LIMIT)	/* "KIND: REASON" */
			snprintf(shown, sizeof(shown), " %s%s%s", scan_limit_kind_name(v.limit),
				 v.name[0] ? ": " : "", v.name);
		else if (d.ignored)		/* a signature rule: decided as clean */
			snprintf(shown, sizeof(shown), " ignored=%s", v.name);
		else
			snprintf(shown, sizeof(shown), "%s%s", v.name[0] ? " " : "", v.name);
		printf("%s: %s %s%s\n", files[i], scan_result_name(d.ignored ? SCAN_CLEAN : v.result),
		       policy_action_name(d.action), shown);
		fflush(stdout);
		if (d.ignored)
			continue;
		if (v.result == SCAN_INFECTED && worst < 1)
			worst = 1;
		else if (v.result != SCAN_CLEAN && v.result != SCAN_INFECTED)
			worst = 2;
	}
	chain_free(ch);
	return worst;
}

/* main_scan - --scan FILE...: the configuration, then main_scan_files */
static int
main_scan(const char *conf_path, char **files, int nfiles)
{
	struct conf *conf = NULL;
	int	rc;

	if (nfiles <= 0) {
		fprintf(stderr, "clamshim: --scan needs at least one file\n");
		return 2;
	}
	log_set_stderr_only(1);
	if (conf_load(conf_path, CONF_TOLERANT, daemon_report, NULL, &conf) < 0)
		return 2;
	log_set(conf->log_level < LOG_LEVEL_WARNING ? conf->log_level : LOG_LEVEL_WARNING, -1);
	rc = main_scan_files(conf, files, nfiles);
	conf_unref(conf);
	return rc;
}

/* main - the options, then -V, -t, --scan or the daemon */
int
main(int argc, char **argv)
{
	struct option longopts[MAIN_NOPTS + 1];
	char	shortopts[2 * MAIN_NOPTS + 1];
	const char *conf_path = MAIN_DEFAULT_CONF, *socket_override = NULL;
	int	foreground = 0, check = 0, scan = 0, migrate = 0, version = 0, opt;

	main_getopt_tables(longopts, shortopts);
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'p':
			socket_override = optarg;
			break;
		case 't':
			check = 1;
			break;
		case MAIN_OPT_SCAN:
			scan = 1;
			break;
		case MAIN_OPT_MIGRATE:
			migrate = 1;
			break;
		case 'V':
			version = 1;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		default:
			main_usage(stderr);
			return 1;
		}
	}
	if (!scan && !migrate && optind < argc) {
		fprintf(stderr, "clamshim: unexpected argument \"%s\"\n", argv[optind]);
		main_usage(stderr);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (migrate)
		return migrate_files(argv + optind, argc - optind, stdout, stderr);
	if (version)
		return main_version(conf_path);
	if (check)
		return main_check_config(conf_path);
	if (scan)
		return main_scan(conf_path, argv + optind, argc - optind);
	return daemon_main(conf_path, socket_override, foreground);
}
