/*
 * NAME
 *	daemon 3 - the milter daemon's life cycle and signals
 * SUMMARY
 *	daemon_main(), daemon_report() (daemon.h)
 * DESCRIPTION
 *	The order at start is deliberate: block the signals in every thread,
 *	read the configuration, raise the soft limit of open files to the
 *	hard one, make missing runtime directories, bind the milter socket
 *	(as root; or take the one systemd passed: sockact(3)), check the
 *	pid file, go to the background, write the pid file, give the
 *	runtime directories made to the user, make the ledger of held
 *	messages (hold.dir) when hold is used, drop privileges
 *	(each of those steps is in daemon_root.c), then start the scanners
 *	(the embedded engine loads in a background thread), the monitor and
 *	the signal thread, and serve at once. Mail that arrives before a
 *	scanner is ready gets the unavailable policy, never a stall.
 *
 *	While it serves, a self-check connects to the milter socket on a
 *	timer (selfcheck(3)); the status heartbeat and systemd's watchdog
 *	pings go on only while it passes.
 *
 *	Signals: SIGHUP re-reads the configuration (a broken one is logged
 *	and the running one kept) and reloads signatures; SIGUSR1 writes the
 *	status now; SIGTERM and SIGINT stop (libmilter handles those two;
 *	the sigwait() below notes which one came and wakes libmilter's loop
 *	at once). At the stop, scans in flight finish first (milter_drain,
 *	bounded by twice the scanners' time limits), then the scanners are
 *	freed.
 * DIAGNOSTICS
 *	Exit 0 on a clean stop (SIGTERM or SIGINT, every scan finished); 1
 *	when the configuration is unusable, the socket cannot be bound, the
 *	pid file cannot be made safely, the milter loop failed or ended
 *	without a stop signal, or scans were still running at the drain
 *	limit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <clamav.h>

#include "chain.h"
#include "conf.h"
#include "daemon.h"
#include "hold.h"
#include "envelope.h"
#include "log.h"
#include "milter.h"
#include "monitor.h"
#include "notify.h"
#include "runfile.h"
#include "runner.h"
#include "scan.h"
#include "selfcheck.h"
#include "sockact.h"

#define DAEMON_DRAIN_NOLIMIT_MS	(10 * 60 * 1000)	/* stop: a scanner without a time limit */
#define DAEMON_DRAIN_SLACK_MS	10000			/* stop: on top of twice the scanners' limits */

/* Everything the daemon's main and signal threads share; file-static. */
static struct {
	const char *conf_path;
	struct chain *chain;
	struct monitor *monitor;	/* alerts and the status file */
	struct hold *hold;		/* the ledger of held messages: milter and monitor */
	pthread_t sigthread;
	atomic_int stopping;		/* the signal thread returns at its next signal */
	atomic_int stop_signal;		/* SIGTERM or SIGINT once libmilter's thread got one */
	struct runfile_pid pid;		/* the pid file this process made */
} daemon_state;

/*
 * sigwait - keep SIGHUP and SIGUSR1 away from libmilter.
 *
 * libmilter's signal thread calls sigwait() for SIGHUP, SIGTERM and SIGINT
 * and stops the milter on SIGHUP. clamshim uses SIGHUP to reload, so this
 * definition (which the dynamic linker binds for libmilter too, as it does
 * for any symbol the executable defines) drops SIGHUP and SIGUSR1 from the
 * set; our own signal thread waits for those with sigwaitinfo(). It notes
 * a SIGTERM or SIGINT handed to libmilter, so that a milter loop that ends
 * without one is known to be a failure, and has the loop woken at once
 * (milter_wake) rather than at the end of its 5 s wait.
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
			if (got == SIGTERM || got == SIGINT) {
				atomic_store(&daemon_state.stop_signal, got);
				milter_wake();	/* libmilter would notice within 5 s */
			}
			*sig = got;
			return 0;
		}
		if (errno != EINTR)
			return errno;
	}
}

/* daemon_report - problems at start or reload go to the log */
void
daemon_report(void *ctx, enum conf_severity sev, const char *file, int line, const char *text)
{
	(void) ctx;
	if (sev == CONF_ERROR)
		log_error("%s:%d: %s", file ? file : "-", line, text);
	else
		log_warning("%s:%d: %s (run clamshim -t)", file ? file : "-", line, text);
}

/* daemon_background - go to the background, detached from the terminal */
static int
daemon_background(void)
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

/* daemon_raise_nofile - soft RLIMIT_NOFILE up to the hard limit: one descriptor per connection and scan */
static void
daemon_raise_nofile(void)
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

/* daemon_reload - SIGHUP: new configuration (or keep the old), then signatures */
static void
daemon_reload(void)
{
	struct conf *conf = NULL, *old;
	char	err[256];

	log_info("SIGHUP: reloading configuration %s and signatures", daemon_state.conf_path);
	notify_reloading();
	if (conf_load(daemon_state.conf_path, CONF_TOLERANT, daemon_report, NULL, &conf) < 0) {
		log_error("reload of %s failed: keeping the running configuration",
			  daemon_state.conf_path);
		snprintf(err, sizeof(err), "reload of %s failed: keeping the running configuration",
			 daemon_state.conf_path);
		monitor_config_failed(daemon_state.monitor, err);
	} else {
		old = milter_get_conf();
		if (strcmp(old->socket, conf->socket) != 0 || strcmp(old->user, conf->user) != 0)
			log_warning("socket and user changes take effect only at restart");
		conf_unref(old);
		log_set(conf->log_level, conf->syslog_facility);
		if (chain_configure(daemon_state.chain, conf, err, sizeof(err)) < 0) {
			log_error("reload: %s: keeping the running configuration", err);
			monitor_config_failed(daemon_state.monitor, "reload: cannot start a scanner: "
					      "keeping the running configuration");
		} else {
			milter_set_conf(conf);
			monitor_set_conf(daemon_state.monitor, conf);
			if (conf->warnings)
				log_warning("configuration %s has %u warning%s (run clamshim -t)",
					    conf->file ? conf->file : "-", conf->warnings,
					    conf->warnings == 1 ? "" : "s");
		}
		conf_unref(conf);
	}
	chain_reload(daemon_state.chain);
	notify_reloaded();
}

/* daemon_signal_thread - SIGHUP and SIGUSR1, one at a time */
static void *
daemon_signal_thread(void *arg)
{
	sigset_t set;
	int	sig;

	(void) arg;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (atomic_load(&daemon_state.stopping))
			break;
		if (sig == SIGHUP)
			daemon_reload();
		else if (sig == SIGUSR1) {
			log_info("SIGUSR1: writing the status file");
			monitor_write_now(daemon_state.monitor);
		}
	}
	return NULL;
}

/* daemon_ready_thread - log once when the first signature loads have finished */
static void *
daemon_ready_thread(void *arg)
{
	struct conf *conf = arg;
	struct scan_status st;
	char	line[512] = "";
	size_t	i, used = 0;

	(void) chain_wait_ready(daemon_state.chain, conf, DAEMON_LOAD_WAIT_MS);
	for (i = 0; i < conf->nscanners && used < sizeof(line) - 1; i++) {
		int	n;

		if (chain_status(daemon_state.chain, conf->scanners[i], &st) < 0)
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

/* daemon_observe - the milter observer: one decided message into the counters; the virus event */
static void
daemon_observe(const struct milter_outcome *o)
{
	char	rcpts[RUNNER_VALUE_MAX];
	struct alert_virus av;

	monitor_count(daemon_state.monitor, o->verdict, o->action, o->fail_open, o->seconds);
	if (o->verdict != SCAN_INFECTED)
		return;
	memset(&av, 0, sizeof(av));
	av.virus = o->virus;
	av.action = policy_action_name(o->action);
	av.queue_id = o->qid;
	av.class_name = o->class_name;
	if (o->env != NULL) {
		av.sender = o->env->sender;
		av.recipients = env_rcpts_join(o->env, rcpts, sizeof(rcpts));
		av.client_addr = o->env->client_addr;
		av.client_name = o->env->client_name;
	}
	monitor_virus(daemon_state.monitor, &av);
}

/* daemon_drain_limit_ms - how long scans in flight may still take at the stop: twice the worst case, and more */
static int64_t
daemon_drain_limit_ms(const struct conf *conf)
{
	int64_t	one = 0;
	size_t	i, n = conf->clamd.nservers > 0 ? conf->clamd.nservers : 1;

	for (i = 0; i < conf->nscanners; i++) {
		if (conf->scanners[i] == CONF_SCANNER_EMBEDDED)
			one += conf->embedded.max_scan_time_ms > 0 ? conf->embedded.max_scan_time_ms
			    : DAEMON_DRAIN_NOLIMIT_MS;
		else if (conf->scanners[i] == CONF_SCANNER_CLAMD)	/* each server tried in turn */
			one += (int64_t) n * (conf->clamd.connect_timeout_ms > 0 ?
					      conf->clamd.connect_timeout_ms : 0)
			    + (int64_t) n * (conf->clamd.scan_timeout_ms > 0 ?
					     conf->clamd.scan_timeout_ms : DAEMON_DRAIN_NOLIMIT_MS);
	}
	return 2 * one + DAEMON_DRAIN_SLACK_MS;
}

/* daemon_drain - let the scans in flight finish; 0 done, -1 some still run at the limit */
static int
daemon_drain(void)
{
	struct conf *cur = milter_get_conf();
	int64_t	limit = daemon_drain_limit_ms(cur);
	unsigned left;

	conf_unref(cur);
	notify_draining(limit + DAEMON_DRAIN_SLACK_MS);	/* TimeoutStopSec= must not cut it short */
	left = milter_drain(limit);
	if (left == 0)
		return 0;
	log_error("%u message%s still being scanned %lld s after the stop: exiting without "
		  "freeing what %s (the MTA gets no reply and tries again later)", left,
		  left == 1 ? "" : "s", (long long) (limit / 1000), left == 1 ? "it uses" : "they use");
	return -1;
}

/* daemon_self_checked - a selfcheck_fn: the status heartbeat and the watchdog pings follow it */
static void
daemon_self_checked(void *ctx, int ok, const char *why)
{
	(void) ctx;
	if (atomic_load(&daemon_state.stop_signal))	/* stopping: the socket goes away */
		return;
	monitor_self_check(daemon_state.monitor, ok, why);
	notify_health(ok, why);
}

/* daemon_selfcheck - start checking the milter socket listened on (spec); NULL: none */
static struct selfcheck *
daemon_selfcheck(const char *spec, const struct conf *conf)
{
	char	target[512];
	int64_t	period, timeout;

	if (selfcheck_spec(spec, target, sizeof(target)) < 0) {
		log_error("no self-check: cannot connect to \"%s\"", spec);
		return NULL;
	}
	selfcheck_timing(conf->status.interval_ms, notify_watchdog_usec(), &period, &timeout);
	return selfcheck_start(target, period, timeout, daemon_self_checked, NULL);
}

/* daemon_stop_reason - why the milter loop ended, logged; 0 a stop signal, -1 anything else */
static int
daemon_stop_reason(int rc)
{
	int	sig = atomic_load(&daemon_state.stop_signal);

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

/* daemon_bind - the daemon_bind_fn: libmilter binds the socket, with the chain to scan with */
static int
daemon_bind(void *arg, const char *spec, char *err, size_t errlen)
{
	return milter_open(spec, arg, daemon_state.chain, err, errlen);
}

/* daemon_given - the spec of the socket systemd passed (fd), said in the log; spec when unknown */
static const char *
daemon_given(int fd, const char *spec, char *buf, size_t len)
{
	char	want[512];

	if (sockact_spec(fd, buf, len) < 0) {
		log_info("systemd passed the listening socket (an address with no name: no self-check)");
		return "";
	}
	if (selfcheck_spec(spec, want, sizeof(want)) < 0 || strcmp(want, buf) != 0)
		log_warning("systemd passed the listening socket %s: the socket %s of the "
			    "configuration is not used", buf, spec);
	else
		log_info("systemd passed the listening socket %s", buf);
	return buf;
}

/* daemon_run - start in order, serve, stop; the exit status */
static int
daemon_run(struct conf *conf, const char *socket_override, int foreground)
{
	const char *spec = socket_override ? socket_override : conf->socket;
	const char *files[3];
	int	made[3], given = -1;
	char	err[512], gspec[512];
	struct selfcheck *check;
	int	rc;

	daemon_raise_nofile();
	if (sockact_inherited(&given, err, sizeof(err)) < 0) {
		log_error("cannot start: %s", err);
		return 1;
	}
	if (given >= 0)
		spec = daemon_given(given, spec, gspec, sizeof(gspec));
	daemon_state.chain = chain_new(&chain_real_backends);
	files[0] = given >= 0 ? NULL : daemon_unix_path(spec);	/* systemd's directory */
	files[1] = conf->pid_file;
	files[2] = conf->status.file;
	made[0] = daemon_runtime_dir(files[0]);
	made[1] = daemon_runtime_dir(files[1]);
	made[2] = daemon_runtime_dir(files[2]);
	if ((given >= 0 ? daemon_take_socket(given, daemon_bind, conf, err, sizeof(err)) :
	     daemon_open_socket(spec, conf, daemon_bind, conf, err, sizeof(err))) < 0) {
		log_error("cannot start: %s", err);
		return 1;
	}
	if (daemon_check_pid(conf) < 0)
		return 1;
	if (!foreground && daemon_background() < 0) {
		log_error_errno("cannot go to the background");
		return 1;
	}
	if (daemon_write_pid(conf, &daemon_state.pid) < 0)
		return 1;
	daemon_give_dirs(conf->user, files, made, 3);
	daemon_hold_dir(conf);
	if (daemon_drop_privileges(conf->user) < 0)
		return 1;
	if (chain_configure(daemon_state.chain, conf, err, sizeof(err)) < 0) {
		log_error("cannot start the scanners: %s", err);
		return 1;
	}
	daemon_state.hold = hold_new();
	milter_set_hold(daemon_state.hold);
	daemon_state.monitor = monitor_start(daemon_state.chain, conf, daemon_state.hold);
	milter_set_observer(daemon_observe);
	{
		pthread_t ready;

		if (pthread_create(&ready, NULL, daemon_ready_thread, conf_ref(conf)) == 0)
			pthread_detach(ready);
		else
			conf_unref(conf);
	}
	if (pthread_create(&daemon_state.sigthread, NULL, daemon_signal_thread, NULL) != 0) {
		log_error("cannot start the signal thread");
		return 1;
	}
	log_info("clamshim %s (libclamav %s) listening on %s, scanners:%s%s", PACKAGE_VERSION,
		 cl_retver(), spec, conf->nscanners > 0 ? " " : " none",
		 conf->nscanners > 0 ? conf_scanner_name(conf->scanners[0]) : "");
	notify_start(daemon_state.chain);
	check = spec[0] ? daemon_selfcheck(spec, conf) : NULL;
	rc = daemon_stop_reason(milter_run());
	selfcheck_stop(check);
	notify_stop();
	if (daemon_drain() < 0) {	/* a scan still uses the chain: freeing it would crash */
		daemon_remove_pid(conf, &daemon_state.pid);
		log_close();
		_exit(1);
	}
	/* not pthread_cancel: unwinding a thread that once ran a reload leaves
	 * stack poison that ASan then reports at the thread's exit */
	atomic_store(&daemon_state.stopping, 1);
	pthread_kill(daemon_state.sigthread, SIGUSR1);
	pthread_join(daemon_state.sigthread, NULL);
	milter_set_observer(NULL);
	monitor_stop(daemon_state.monitor);
	daemon_state.monitor = NULL;
	milter_set_hold(NULL);		/* no decision is in flight (drained) */
	hold_free(daemon_state.hold);
	chain_free(daemon_state.chain);
	daemon_remove_pid(conf, &daemon_state.pid);
	return rc == 0 ? 0 : 1;
}

/* daemon_main - the daemon: signals, log, configuration, then daemon_run */
int
daemon_main(const char *conf_path, const char *socket_override, int foreground)
{
	struct conf *conf = NULL;
	sigset_t set;
	int	rc;

	/*
	 * HUP and USR1 are ours, blocked in every thread; TERM and INT are
	 * blocked too, so that no thread started before smfi_main()
	 * (scanners, monitor, alert runner) takes them with the default
	 * action: libmilter's signal thread sigwait()s for them and stops
	 * cleanly.
	 */
	daemon_state.conf_path = conf_path;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGURG);	/* the stop's wake-up, for libmilter's loop only (milter_wake.c) */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	log_open("clamshim", foreground && !notify_stderr_is_journal());
	if (conf_load(conf_path, CONF_TOLERANT, daemon_report, NULL, &conf) < 0) {
		log_error("cannot start: the configuration %s has errors (clamshim -t -c %s)",
			  conf_path, conf_path);
		return 1;
	}
	log_set(conf->log_level, conf->syslog_facility);
	if (conf->warnings)
		log_warning("configuration %s has %u warning%s; running on (clamshim -t lists them)",
			    conf_path, conf->warnings, conf->warnings == 1 ? "" : "s");
	rc = daemon_run(conf, socket_override, foreground);
	conf_unref(conf);
	log_close();
	return rc;
}
