/*
 * NAME
 *	clamshim 8 - the ClamAV mail filter that is never silent
 * SUMMARY
 *	clamshim [-f] [-c FILE] [-p SPEC]
 *	clamshim -t [-c FILE]
 *	clamshim [-c FILE] --scan FILE...
 *	clamshim -V
 * DESCRIPTION
 *	Options, the daemon's life cycle and signals. The order at start is
 *	deliberate: read the configuration, raise the soft limit of open
 *	files to the hard one, bind the milter socket (as root), go to the
 *	background, write the pid file, give the runtime directories it made
 *	to the user, drop privileges, then start the scanners (the embedded
 *	engine loads in a background thread) and serve at once. Mail that
 *	arrives before a scanner is ready gets the unavailable policy, never
 *	a stall. Nothing made as root follows a link or is written by a name
 *	the user could have replaced (runfile(3)): the socket is bound with
 *	umask and group set so that it needs no chmod, and as the user when
 *	its directory is the user's.
 *
 *	Signals: SIGHUP re-reads the configuration (a broken one is logged
 *	and the running one kept) and reloads signatures; SIGUSR1 writes the
 *	status now; SIGTERM and SIGINT stop (libmilter handles those two;
 *	the sigwait() below notes which one came). At the stop, scans in
 *	flight finish first (milter_drain, bounded by the scanners' time
 *	limits), then the scanners are freed.
 * DIAGNOSTICS
 *	Exit 0 on a clean stop (SIGTERM or SIGINT, every scan finished); 1
 *	when the configuration is unusable, the socket cannot be bound, the
 *	pid file cannot be made safely, the milter loop failed or ended
 *	without a stop signal, or scans were still running at the drain
 *	limit. -t: 0 clean, 1 errors, 2 warnings only. --scan: 0 all clean,
 *	1 any infected, 2 any unscanned.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clamav.h>

#include "chain.h"
#include "conf.h"
#include "log.h"
#include "milter.h"
#include "monitor.h"
#include "notify.h"
#include "policy.h"
#include "runfile.h"
#include "scan.h"
#include "spool.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define MAIN_DEFAULT_CONF	SYSCONFDIR "/clamshim.conf"
#define MAIN_SCAN_WAIT_MS	(10 * 60 * 1000)	/* --scan: longest wait for a first load */
#define MAIN_DRAIN_NOLIMIT_MS	(10 * 60 * 1000)	/* stop: a scanner without a time limit */
#define MAIN_DRAIN_SLACK_MS	10000			/* stop: on top of twice the scanners' limits */

/* Everything the daemon's main and signal threads share; file-static. */
static struct {
	const char *conf_path;
	struct chain *chain;
	struct monitor *monitor;	/* alerts and the status file */
	pthread_t sigthread;
	atomic_int stopping;		/* the signal thread returns at its next signal */
	atomic_int stop_signal;		/* SIGTERM or SIGINT once libmilter's thread got one */
	struct runfile_pid pid;		/* the pid file this process made */
} main_state;

/*
 * sigwait - keep SIGHUP and SIGUSR1 away from libmilter.
 *
 * libmilter's signal thread calls sigwait() for SIGHUP, SIGTERM and SIGINT
 * and stops the milter on SIGHUP. clamshim uses SIGHUP to reload, so this
 * definition (which the dynamic linker binds for libmilter too, as it does
 * for any symbol the executable defines) drops SIGHUP and SIGUSR1 from the
 * set; our own signal thread waits for those with sigwaitinfo(). It notes
 * a SIGTERM or SIGINT handed to libmilter, so that a milter loop that ends
 * without one is known to be a failure.
 */
int
sigwait(const sigset_t *restrict set, int *restrict sig)
{
	sigset_t mine = *set;
	int	got;

	sigdelset(&mine, SIGHUP);
	sigdelset(&mine, SIGUSR1);
	for (;;) {
		got = sigwaitinfo(&mine, NULL);
		if (got > 0) {
			if (got == SIGTERM || got == SIGINT)
				atomic_store(&main_state.stop_signal, got);
			*sig = got;
			return 0;
		}
		if (errno != EINTR)
			return errno;
	}
}

/* main_usage - the options, to stderr */
static void
main_usage(FILE *fp)
{
	fprintf(fp,
		"usage: clamshim [-f] [-c FILE] [-p SOCKET]   run the milter\n"
		"       clamshim -t [-c FILE]                 check the configuration\n"
		"       clamshim [-c FILE] --scan FILE...     scan messages and print verdicts\n"
		"       clamshim -V                           print versions\n"
		"  -c, --config FILE     configuration file (default %s)\n"
		"  -f, --foreground      stay in the foreground, log to stderr too\n"
		"  -p, --socket SPEC     milter socket, overrides \"socket\"\n"
		"  -t, --check-config    strict check: 0 ok, 1 errors, 2 warnings only\n"
		"      --scan FILE...    exit 0 all clean, 1 any infected, 2 any unscanned\n"
		"  -V, --version         print clamshim, libclamav and signature versions\n",
		MAIN_DEFAULT_CONF);
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

/* main_daemon_report - problems at start or reload go to the log */
static void
main_daemon_report(void *ctx, enum conf_severity sev, const char *file, int line,
		   const char *text)
{
	if (sev == CONF_ERROR)
		log_error("%s:%d: %s", file ? file : "-", line, text);
	else
		log_warning("%s:%d: %s (run clamshim -t)", file ? file : "-", line, text);
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
	(void) chain_wait_ready(ch, conf, MAIN_SCAN_WAIT_MS);
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
		else
			snprintf(shown, sizeof(shown), "%s%s", v.name[0] ? " " : "", v.name);
		printf("%s: %s %s%s\n", files[i], scan_result_name(v.result),
		       policy_action_name(d.action), shown);
		fflush(stdout);
		if (v.result == SCAN_INFECTED && worst < 1)
			worst = 1;
		else if (v.result != SCAN_CLEAN && v.result != SCAN_INFECTED)
			worst = 2;
	}
	chain_free(ch);
	return worst;
}

/* main_daemonize - go to the background, detached from the terminal */
static int
main_daemonize(void)
{
	pid_t	pid = fork();
	int	fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/* main_raise_nofile - soft RLIMIT_NOFILE up to the hard limit: one descriptor per connection and scan */
static void
main_raise_nofile(void)
{
	struct rlimit rl;
	unsigned long long was;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warning_errno("cannot read the limit of open files");
		return;
	}
	was = (unsigned long long) rl.rlim_cur;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warning_errno("cannot raise the limit of open files from %llu to the "
					  "hard limit %llu", was, (unsigned long long) rl.rlim_max);
			return;
		}
		log_info("open files: limit raised from %llu to the hard limit %llu", was,
			 (unsigned long long) rl.rlim_max);
	} else
		log_info("open files: limit %llu (the hard limit)", was);
}

/* main_unix_path - the path of a unix socket spec, or NULL */
static const char *
main_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
		return strchr(spec, ':') + 1;
	return spec[0] == '/' ? spec : NULL;
}

/* main_user_ids - uid and gid of user when root will become it; 0 found, -1 not (ids -1) */
static int
main_user_ids(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	*uid = (uid_t) -1;
	*gid = (gid_t) -1;
	if (geteuid() != 0 || user == NULL || *user == 0 || (pw = getpwnam(user)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/*
 * main_runtime_dir - make the missing directory of a runtime file (socket,
 * pid file, status file), as systemd's RuntimeDirectory= would: one level,
 * mode 0755. It stays root's until main_give_dirs(), after root has made
 * the socket and the pid file in it. Existing ones are untouched. 1 = made.
 */
static int
main_runtime_dir(const char *file)
{
	char	err[512];
	int	rc = runfile_dir_make(file, err, sizeof(err));

	if (rc < 0)
		log_warning("%s", err);
	else if (rc > 0)
		log_info("created the directory of %s", file);
	return rc > 0;
}

/* main_give_dirs - the runtime directories made at start go to user, as the drop comes */
static void
main_give_dirs(const char *user, const char *const *files, const int *made, size_t n)
{
	char	err[512];
	uid_t	uid;
	gid_t	gid;
	size_t	i;

	if (main_user_ids(user, &uid, &gid) < 0)
		return;
	for (i = 0; i < n; i++)
		if (made[i] && runfile_dir_give(files[i], uid, gid, err, sizeof(err)) < 0)
			log_warning("cannot give the directory of %s to %s: %s", files[i], user, err);
}

/* main_socket_ids - a unix socket's owner (user, as root) and group (socket_group or user's) */
static int
main_socket_ids(const struct conf *conf, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr;

	(void) main_user_ids(conf->user, uid, gid);
	if (conf->socket_group && *conf->socket_group) {
		if ((gr = getgrnam(conf->socket_group)) == NULL) {
			snprintf(err, errlen, "socket_group \"%s\" does not exist", conf->socket_group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/*
 * main_open_socket - bind the milter socket. A unix socket is born with
 * socket_mode (umask) and its group (effective gid), and, when root is to
 * become user and the socket's directory is not root's alone, it is bound
 * as user (effective uid): root never chmods or chowns by a name that the
 * user can replace with a link. Only in a directory no one but root can
 * change does root give the socket its owner afterwards.
 */
static int
main_open_socket(const char *spec, struct conf *conf, char *err, size_t errlen)
{
	const char *path = main_unix_path(spec);
	uid_t	uid;
	gid_t	gid, egid = getegid();
	mode_t	mask = 0;
	int	root = geteuid() == 0, as_user, set_gid, rc;

	if (path == NULL)
		return milter_open(spec, conf, main_state.chain, err, errlen);
	if (main_socket_ids(conf, &uid, &gid, err, errlen) < 0)
		return -1;
	as_user = root && uid != (uid_t) -1 && !runfile_dir_root_only(path);
	set_gid = root && gid != (gid_t) -1;
	mask = umask(~(mode_t) conf->socket_mode & 0777);
	if ((set_gid && setegid(gid) != 0) || (as_user && seteuid(uid) != 0)) {
		snprintf(err, errlen, "cannot take uid %ld gid %ld to bind %s: %s", (long) uid,
			 (long) gid, path, strerror(errno));
		rc = -1;
	} else {
		rc = milter_open(spec, conf, main_state.chain, err, errlen);
		if (rc < 0 && as_user) {
			size_t	n = strlen(err);

			snprintf(err + n, errlen - n, "; bound as user %s, since the directory of %s "
				 "is not root's alone", conf->user, path);
		}
		if (rc == 0)
			rc = runfile_socket_finish(path, conf->socket_mode, uid, gid,
						   !root || as_user || runfile_dir_root_only(path),
						   err, errlen);
	}
	if ((as_user && geteuid() != 0 && seteuid(0) != 0) ||
	    (set_gid && getegid() != egid && setegid(egid) != 0)) {
		snprintf(err, errlen, "cannot become root again after binding: %s", strerror(errno));
		rc = -1;
	}
	umask(mask);
	return rc;
}

/* main_check_pid - before going to the background: would the pid file be refused? (exit status for the caller) */
static int
main_check_pid(const struct conf *conf)
{
	char	err[512];
	uid_t	uid;
	gid_t	gid;

	if (conf->pid_file == NULL || *conf->pid_file == 0)
		return 0;
	(void) main_user_ids(conf->user, &uid, &gid);
	if (runfile_pid_usable(conf->pid_file, uid, err, sizeof(err)) < 0) {
		log_error("cannot start: %s", err);
		return -1;
	}
	return 0;
}

/* main_write_pid - the pid file, new, owned by user (see runfile(3)) */
static int
main_write_pid(const struct conf *conf)
{
	char	err[512];
	uid_t	uid;
	gid_t	gid;

	if (conf->pid_file == NULL || *conf->pid_file == 0)
		return 0;
	(void) main_user_ids(conf->user, &uid, &gid);
	if (runfile_pid_write(conf->pid_file, uid, gid, &main_state.pid, err, sizeof(err)) < 0) {
		log_error("cannot start: %s", err);
		return -1;
	}
	return 0;
}

/* main_remove_pid - at exit: the pid file, if it is still the one we wrote */
static void
main_remove_pid(const struct conf *conf)
{
	char	err[512];
	int	rc;

	if (conf->pid_file == NULL || *conf->pid_file == 0)
		return;
	rc = runfile_pid_remove(conf->pid_file, &main_state.pid, err, sizeof(err));
	if (rc > 0)
		log_warning("%s", err);
	else if (rc < 0)
		log_info("%s", err);	/* e.g. a directory the user may not write: known, harmless */
}

/* main_drop_privileges - become user (after binding); verify it stuck */
static int
main_drop_privileges(const char *user)
{
	struct passwd *pw;

	if ((user == NULL || *user == 0) && geteuid() == 0)
		log_warning("running as root: set \"user\" (e.g. clamav) so that a flaw in "
			    "a parser does not hand root to a hostile message");
	if (user == NULL || *user == 0 || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_error("user \"%s\" does not exist", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_error_errno("cannot become user %s", user);
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_error("privileges could be regained after dropping them: refusing to run");
		return -1;
	}
	log_info("running as user %s (uid %ld)", user, (long) pw->pw_uid);
	return 0;
}

/* main_reload - SIGHUP: new configuration (or keep the old), then signatures */
static void
main_reload(void)
{
	struct conf *conf = NULL, *old;
	char	err[256];

	log_info("SIGHUP: reloading configuration %s and signatures", main_state.conf_path);
	notify_reloading();
	if (conf_load(main_state.conf_path, CONF_TOLERANT, main_daemon_report, NULL, &conf) < 0) {
		log_error("reload of %s failed: keeping the running configuration",
			  main_state.conf_path);
		snprintf(err, sizeof(err), "reload of %s failed: keeping the running configuration",
			 main_state.conf_path);
		monitor_config_failed(main_state.monitor, err);
	} else {
		old = milter_get_conf();
		if (strcmp(old->socket, conf->socket) != 0 || strcmp(old->user, conf->user) != 0)
			log_warning("socket and user changes take effect only at restart");
		conf_unref(old);
		log_set(conf->log_level, conf->syslog_facility);
		if (chain_configure(main_state.chain, conf, err, sizeof(err)) < 0) {
			log_error("reload: %s: keeping the running configuration", err);
			monitor_config_failed(main_state.monitor, "reload: cannot start a scanner: "
					      "keeping the running configuration");
		} else {
			milter_set_conf(conf);
			monitor_set_conf(main_state.monitor, conf);
			if (conf->warnings)
				log_warning("configuration %s has %u warning%s (run clamshim -t)",
					    conf->file ? conf->file : "-", conf->warnings,
					    conf->warnings == 1 ? "" : "s");
		}
		conf_unref(conf);
	}
	chain_reload(main_state.chain);
	notify_reloaded();
}

/* main_signal_thread - SIGHUP and SIGUSR1, one at a time */
static void *
main_signal_thread(void *arg)
{
	sigset_t set;
	int	sig;

	(void) arg;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (atomic_load(&main_state.stopping))
			break;
		if (sig == SIGHUP)
			main_reload();
		else if (sig == SIGUSR1) {
			log_info("SIGUSR1: writing the status file");
			monitor_write_now(main_state.monitor);
		}
	}
	return NULL;
}

/* main_ready_thread - log once when the first signature loads have finished */
static void *
main_ready_thread(void *arg)
{
	struct conf *conf = arg;
	struct scan_status st;
	char	line[512] = "";
	size_t	i, used = 0;

	(void) chain_wait_ready(main_state.chain, conf, MAIN_SCAN_WAIT_MS);
	for (i = 0; i < conf->nscanners && used < sizeof(line) - 1; i++) {
		int	n;

		if (chain_status(main_state.chain, conf->scanners[i], &st) < 0)
			continue;
		n = snprintf(line + used, sizeof(line) - used, "%s%s %s%s%s%s", used ? ", " : "",
			     conf_scanner_name(conf->scanners[i]), st.up ? "up" : "down",
			     st.engine[0] ? " (" : "", st.engine, st.engine[0] ? ")" : "");
		used = n < 0 ? used : used + (size_t) n;
	}
	log_info("first signature load finished: %s", line[0] ? line : "no scanner");
	conf_unref(conf);
	return NULL;
}

/* main_observe - the milter observer: one decided message into the counters */
static void
main_observe(const struct milter_outcome *o)
{
	monitor_count(main_state.monitor, o->verdict, o->action, o->fail_open, o->seconds);
}

/* main_drain_limit_ms - how long scans in flight may still take at the stop: twice the worst case, and more */
static int64_t
main_drain_limit_ms(const struct conf *conf)
{
	int64_t	one = 0;
	size_t	i, n = conf->clamd.nservers > 0 ? conf->clamd.nservers : 1;

	for (i = 0; i < conf->nscanners; i++) {
		if (conf->scanners[i] == CONF_SCANNER_EMBEDDED)
			one += conf->embedded.max_scan_time_ms > 0 ? conf->embedded.max_scan_time_ms
			    : MAIN_DRAIN_NOLIMIT_MS;
		else if (conf->scanners[i] == CONF_SCANNER_CLAMD)	/* each server tried in turn */
			one += (int64_t) n * (conf->clamd.connect_timeout_ms > 0 ?
					      conf->clamd.connect_timeout_ms : 0)
			    + (int64_t) n * (conf->clamd.scan_timeout_ms > 0 ?
					     conf->clamd.scan_timeout_ms : MAIN_DRAIN_NOLIMIT_MS);
	}
	return 2 * one + MAIN_DRAIN_SLACK_MS;
}

/* main_drain - let the scans in flight finish; 0 done, -1 some still run at the limit */
static int
main_drain(void)
{
	struct conf *cur = milter_get_conf();
	int64_t	limit = main_drain_limit_ms(cur);
	unsigned left;

	conf_unref(cur);
	left = milter_drain(limit);
	if (left == 0)
		return 0;
	log_error("%u message%s still being scanned %lld s after the stop: exiting without "
		  "freeing what %s (the MTA gets no reply and tries again later)", left,
		  left == 1 ? "" : "s", (long long) (limit / 1000), left == 1 ? "it uses" : "they use");
	return -1;
}

/* main_stop_reason - why the milter loop ended, logged; 0 a stop signal, -1 anything else */
static int
main_stop_reason(int rc)
{
	int	sig = atomic_load(&main_state.stop_signal);

	if (rc != 0) {
		log_error("the milter loop failed (see libmilter's lines before this one): "
			  "stopping, exit status 1");
		return -1;
	}
	if (sig == 0) {
		log_error("the milter loop ended without SIGTERM or SIGINT: stopping with exit "
			  "status 1 so that a service manager (Restart=on-failure) starts clamshim "
			  "again");
		return -1;
	}
	log_info("stopping on %s: finishing the scans in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}

/* main_daemon - run the milter */
static int
main_daemon(struct conf *conf, const char *socket_override, int foreground)
{
	const char *spec = socket_override ? socket_override : conf->socket;
	const char *files[3];
	int	made[3];
	char	err[512];
	int	rc;

	main_raise_nofile();
	main_state.chain = chain_new(&chain_real_backends);
	files[0] = main_unix_path(spec);
	files[1] = conf->pid_file;
	files[2] = conf->status.file;
	made[0] = main_runtime_dir(files[0]);
	made[1] = main_runtime_dir(files[1]);
	made[2] = main_runtime_dir(files[2]);
	if (main_open_socket(spec, conf, err, sizeof(err)) < 0) {
		log_error("cannot start: %s", err);
		return 1;
	}
	if (main_check_pid(conf) < 0)
		return 1;
	if (!foreground && main_daemonize() < 0) {
		log_error_errno("cannot go to the background");
		return 1;
	}
	if (main_write_pid(conf) < 0)
		return 1;
	main_give_dirs(conf->user, files, made, 3);
	if (main_drop_privileges(conf->user) < 0)
		return 1;
	if (chain_configure(main_state.chain, conf, err, sizeof(err)) < 0) {
		log_error("cannot start the scanners: %s", err);
		return 1;
	}
	main_state.monitor = monitor_start(main_state.chain, conf);
	milter_set_observer(main_observe);
	{
		pthread_t ready;

		if (pthread_create(&ready, NULL, main_ready_thread, conf_ref(conf)) == 0)
			pthread_detach(ready);
		else
			conf_unref(conf);
	}
	if (pthread_create(&main_state.sigthread, NULL, main_signal_thread, NULL) != 0) {
		log_error("cannot start the signal thread");
		return 1;
	}
	log_info("clamshim %s (libclamav %s) listening on %s, scanners:%s%s", PACKAGE_VERSION,
		 cl_retver(), spec, conf->nscanners > 0 ? " " : " none",
		 conf->nscanners > 0 ? conf_scanner_name(conf->scanners[0]) : "");
	notify_start(main_state.chain);
	rc = main_stop_reason(milter_run());
	notify_stop();
	if (main_drain() < 0) {		/* a scan still uses the chain: freeing it would crash */
		main_remove_pid(conf);
		log_close();
		_exit(1);
	}
	/* not pthread_cancel: unwinding a thread that once ran a reload leaves
	 * stack poison that ASan then reports at the thread's exit */
	atomic_store(&main_state.stopping, 1);
	pthread_kill(main_state.sigthread, SIGUSR1);
	pthread_join(main_state.sigthread, NULL);
	milter_set_observer(NULL);
	monitor_stop(main_state.monitor);
	main_state.monitor = NULL;
	chain_free(main_state.chain);
	main_remove_pid(conf);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"foreground", no_argument, NULL, 'f'},
		{"socket", required_argument, NULL, 'p'},
		{"check-config", no_argument, NULL, 't'},
		{"scan", no_argument, NULL, 'S'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conf_path = MAIN_DEFAULT_CONF, *socket_override = NULL;
	int	foreground = 0, check = 0, scan = 0, version = 0, opt, rc;
	struct conf *conf = NULL;
	sigset_t set;

	while ((opt = getopt_long(argc, argv, "c:fp:tVh", longopts, NULL)) != -1) {
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
		case 'S':
			scan = 1;
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
	if (!scan && optind < argc) {
		fprintf(stderr, "clamshim: unexpected argument \"%s\"\n", argv[optind]);
		main_usage(stderr);
		return 1;
	}
	main_state.conf_path = conf_path;
	signal(SIGPIPE, SIG_IGN);
	if (version)
		return main_version(conf_path);
	if (check)
		return main_check_config(conf_path);
	if (scan) {
		if (optind >= argc) {
			fprintf(stderr, "clamshim: --scan needs at least one file\n");
			return 2;
		}
		log_set_stderr_only(1);
		if (conf_load(conf_path, CONF_TOLERANT, main_daemon_report, NULL, &conf) < 0)
			return 2;
		log_set(conf->log_level < LOG_LEVEL_WARNING ? conf->log_level : LOG_LEVEL_WARNING, -1);
		rc = main_scan_files(conf, argv + optind, argc - optind);
		conf_unref(conf);
		return rc;
	}

	/*
	 * the daemon: HUP and USR1 are ours, blocked in every thread; TERM and
	 * INT are blocked too, so that no thread started before smfi_main()
	 * (scanners, monitor, alert runner) takes them with the default action:
	 * libmilter's signal thread sigwait()s for them and stops cleanly.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	log_open("clamshim", foreground && !notify_stderr_is_journal());
	if (conf_load(conf_path, CONF_TOLERANT, main_daemon_report, NULL, &conf) < 0) {
		log_error("cannot start: the configuration %s has errors (clamshim -t -c %s)",
			  conf_path, conf_path);
		return 1;
	}
	log_set(conf->log_level, conf->syslog_facility);
	if (conf->warnings)
		log_warning("configuration %s has %u warning%s; running on (clamshim -t lists them)",
			    conf_path, conf->warnings, conf->warnings == 1 ? "" : "s");
	rc = main_daemon(conf, socket_override, foreground);
	conf_unref(conf);
	log_close();
	return rc;
}
